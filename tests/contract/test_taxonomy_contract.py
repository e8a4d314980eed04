"""The emulator's taxonomies validate as the SDK's TaxonomyResponse; unknown ones are ErrorResponse 404s."""

from __future__ import annotations

import requests
from mixpeek.models.error_response import ErrorResponse
from mixpeek.models.taxonomy_response import TaxonomyResponse

from mixpeek_local.emulator import Emulator, Store, seed_collection

HEADERS = {"Authorization": "Bearer mxp_contract", "X-Namespace": "ns_demo"}


def test_seeded_taxonomies_parse_and_unknown_ones_are_404():
    store = Store()
    collection = seed_collection(store, documents=3, namespace="ns_demo")
    applications = store.get_collection(collection, "ns_demo")["taxonomy_applications"]
    with Emulator(store, api_key="mxp_contract") as emulator:
        kinds = set()
        for application in applications:
            url = f"{emulator.base_url}/v1/taxonomies/{application['taxonomy_id']}"
            taxonomy = TaxonomyResponse.from_dict(requests.get(url, headers=HEADERS, timeout=5).json())
            assert taxonomy.taxonomy_id == application["taxonomy_id"] and taxonomy.taxonomy_name
            kinds.add(taxonomy.config.actual_instance.taxonomy_type)
        missing = requests.get(f"{emulator.base_url}/v1/taxonomies/tax_missing", headers=HEADERS, timeout=5)
    assert kinds == {"flat", "hierarchical"}
    assert missing.status_code == 404 and ErrorResponse.from_dict(missing.json()).status == 404
