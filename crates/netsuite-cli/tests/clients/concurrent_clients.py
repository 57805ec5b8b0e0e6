"""N Python clients at once through one `netsuite proxy`: each thread has its own
requests.Session and makes REQUESTS calls, alternating a record GET and a SuiteQL page.
Usage: python3 concurrent_clients.py CLIENTS REQUESTS. Prints a JSON count of statuses.
"""
import collections
import concurrent.futures
import json
import os
import sys

import requests

proxy = os.environ["NETSUITE_PROXY_URL"]
clients, per_client = int(sys.argv[1]), int(sys.argv[2])


def client(n):
    s = requests.Session()
    seen = collections.Counter()
    for i in range(per_client):
        if (n + i) % 2:
            r = s.get(f"{proxy}/services/rest/record/v1/salesorder/304")
        else:
            r = s.post(
                f"{proxy}/services/rest/query/v1/suiteql?limit=100",
                headers={"Prefer": "transient"},
                json={"q": "SELECT id FROM customer ORDER BY id"},
            )
        r.json()
        seen[r.status_code] += 1
    return seen


total = collections.Counter()
with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
    for seen in pool.map(client, range(clients)):
        total.update(seen)
print(json.dumps({str(k): v for k, v in sorted(total.items())}))
