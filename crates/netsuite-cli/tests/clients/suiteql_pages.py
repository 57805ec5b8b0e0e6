"""Pages through a SuiteQL query with Python's requests, through `netsuite proxy`.

No token, no OAuth: the proxy adds them. Run: python3 suiteql_pages.py [QUERY]
(NETSUITE_PROXY_URL defaults to http://127.0.0.1:8181). Prints one JSON summary line.
"""
import json
import os
import sys

import requests

proxy = os.environ.get("NETSUITE_PROXY_URL", "http://127.0.0.1:8181")
query = sys.argv[1] if len(sys.argv) > 1 else "SELECT id, tranid FROM transaction ORDER BY id"

session = requests.Session()  # keeps the connection to the proxy alive
rows, pages, offset, total = 0, 0, 0, None
while True:
    r = session.post(
        f"{proxy}/services/rest/query/v1/suiteql",
        params={"limit": 1000, "offset": offset},
        headers={"Prefer": "transient"},
        json={"q": query},
    )
    r.raise_for_status()
    page = r.json()
    rows += len(page["items"])
    pages += 1
    total = page.get("totalResults", total)
    if not page["hasMore"]:
        break
    offset += 1000

print(json.dumps({"rows": rows, "pages": pages, "totalResults": total}))
