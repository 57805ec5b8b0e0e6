"""Drives the emulator's AI Connector (NetSuite's MCP server) with the official Python
MCP SDK (`mcp` package) over Streamable HTTP.

    mcp_connector_client.py tools URL TOKEN     initialize, tools/list, every tool
    mcp_connector_client.py refused URL TOKEN   the connection must be refused

TOKEN `-` reads the bearer token from stdin (kept out of the process list).

Prints a JSON summary; exits non-zero on a failure.
"""

import asyncio
import json
import sys
import uuid

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

TOOLS = {
    "ns_createRecord", "ns_getRecord", "ns_getRecordTypeMetadata", "ns_updateRecord",
    "ns_listSavedSearches", "ns_runSavedSearch", "ns_getSubsidiaries", "ns_listAllReports",
    "ns_runReport", "ns_getSuiteQLMetadata", "ns_runCustomSuiteQL",
}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def call(session, summary, name, args):
    r = await session.call_tool(name, args)
    text = r.content[0].text if r.content else ""
    check(not r.is_error, f"{name} {args} failed: {text}")
    result = json.loads(text)
    if r.structured_content is not None:
        check(result == r.structured_content, f"{name}: the text is not the JSON")
        summary["structured"] = True
    summary["called"].append(name)
    return result


async def records(session, summary):
    s = await call(session, summary, "ns_runCustomSuiteQL", {
        "sqlQuery": "SELECT id, companyname FROM customer WHERE ROWNUM <= 1000 ORDER BY id",
        "description": "customers",
    })
    check(s["method"] == "ns_runCustomSuiteQL" and s["queryExecuted"].startswith("SELECT"), s)
    check(s["resultCount"] == len(s["data"]) > 1, s)
    summary["customers"] = s["resultCount"]
    s = await call(session, summary, "ns_getSuiteQLMetadata", {"recordType": "transaction"})
    check(s["properties"]["entity"]["x-n:joinable"], s)
    s = await call(session, summary, "ns_getRecordTypeMetadata", {"recordType": "customer"})
    check("companyName" in s["schema"]["properties"], s)
    s = await call(session, summary, "ns_getRecord",
                   {"recordType": "salesorder", "recordId": "304", "fields": "memo"})
    summary["memo"] = s["memo"]
    eid = str(uuid.uuid4())
    s = await call(session, summary, "ns_createRecord", {
        "recordType": "customer",
        "data": json.dumps({"companyName": "MCP Connector Co", "externalId": eid,
                            "subsidiary": {"id": "1"}}),
    })
    new_id = s["recordId"]
    await call(session, summary, "ns_updateRecord", {
        "recordType": "customer", "recordId": new_id, "data": json.dumps({"comments": "via MCP"}),
    })
    s = await call(session, summary, "ns_getRecord", {"recordType": "customer", "recordId": new_id})
    check(s["companyName"] == "MCP Connector Co" and s["comments"] == "via MCP", s)
    summary["created"] = new_id


async def searches_and_reports(session, summary):
    s = await call(session, summary, "ns_listSavedSearches", {"query": "sales"})
    check([x["scriptId"] for x in s["savedSearches"]] == ["customsearch_open_sales_orders"], s)
    s = await call(session, summary, "ns_runSavedSearch",
                   {"searchId": "customsearch_open_sales_orders", "range_start": 0, "range_end": 5})
    check(s["resultCount"] == len(s["data"]) == 5, s)
    s = await call(session, summary, "ns_getSubsidiaries", {})
    summary["subsidiaries"] = [x["id"] for x in s["subsidiaries"]]
    s = await call(session, summary, "ns_listAllReports", {})
    summary["reports"] = [r["name"] for r in s["reports"]]
    s = await call(session, summary, "ns_runReport", {
        "reportId": 1, "dateFrom": "2020-01-01", "dateTo": "2025-12-31", "subsidiaryId": -1,
    })
    check(s["resultCount"] > 0 and "customer" in s["rows"][0], s)
    summary["report_rows"] = s["resultCount"]


async def tools(session):
    init = await session.initialize()
    summary = {"server": init.server_info.name, "protocol": init.protocol_version, "called": []}
    listed = (await session.list_tools()).tools
    names = {t.name for t in listed}
    check(names == TOOLS, f"tools {sorted(names)}")
    summary["read_only"] = sorted(t.name for t in listed if t.annotations.read_only_hint)
    await records(session, summary)
    await searches_and_reports(session, summary)
    r = await session.call_tool("ns_runReport", {"reportId": 1, "dateTo": "2025-12-31"})
    check(r.is_error and "dateFrom" in r.content[0].text, r)
    return summary


def leaves(e):
    """The exceptions inside (nested) exception groups."""
    if isinstance(e, BaseExceptionGroup):
        return [x for sub in e.exceptions for x in leaves(sub)]
    return [e]


async def main():
    mode, url, token = sys.argv[1], sys.argv[2], sys.argv[3]
    if token == "-":
        token = sys.stdin.readline().strip()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    if mode == "tools":
                        summary = await tools(session)
                    else:
                        await session.initialize()
                        raise AssertionError("the connection was not refused")
    except AssertionError:
        raise
    except BaseException as e:  # the SDK's MCPError, possibly inside an ExceptionGroup
        if mode == "tools":
            raise
        summary = {"refused": [
            {"type": type(x).__name__, "message": str(x), "code": getattr(x, "code", None),
             "data": str(getattr(x, "data", ""))}
            for x in leaves(e)
        ]}
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
