"""The Streamlit app over the bundle: target health, labels, search with pictures, enrichment (docs/app.md)."""
