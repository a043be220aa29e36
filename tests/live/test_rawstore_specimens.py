"""The raw store keeps real answers byte for byte and notices when a stored one changes.

Specimens: the KNOMAD bilateral matrix workbook (World Bank / KNOMAD, CC BY 4.0) and the World
Bank API's HTTP 400 page that starts with a byte-order mark (recorded by jkkitakita/wbdata-go);
see ``../shared/specimens/SOURCES.md``.
"""

from __future__ import annotations

import httpx
import pytest
import respx
from conftest import specimen_path

from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.warehouse import file_sha256
from autonomy_monitor.sources.client import ResourceRequest
from autonomy_monitor.sources.live_common import require_zip


@respx.mock
def test_a_real_workbook_is_stored_byte_for_byte(client, store, specimens):
    path = specimen_path(specimens, "knomad_xlsx", "bilateral_remittance_matrix_2021_0.xlsx")
    url = (
        "https://www.knomad.org/sites/default/files/2022-12/bilateral_remittance_matrix_2021_0.xlsx"
    )
    respx.get(url).mock(
        return_value=httpx.Response(
            200,
            content=path.read_bytes(),
            headers={
                "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "ETag": '"w1"',
            },
        )
    )
    record = client.fetch(
        store, ResourceRequest(source="knomad", resource="matrix", url=url), validate=require_zip
    )
    assert (record.sha256, record.size, record.etag) == (
        file_sha256(path),
        path.stat().st_size,
        '"w1"',
    )
    stored = store.open_verified(record)
    assert stored.read_bytes() == path.read_bytes()
    # One changed byte in the stored copy is refused by name.
    data = bytearray(stored.read_bytes())
    data[-1] ^= 0xFF
    stored.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="does not match its sha256"):
        store.open_verified(record)


@respx.mock
def test_a_refused_answer_leaves_nothing_in_the_store(client, store, specimens):
    page = specimen_path(
        specimens, "worldbank_api_v2", "TestIndicatorValuesService_ListBySourceID_3.json"
    )
    url = "https://api.worldbank.org/v2/country/all/indicator/NY.GDP.MKTP.CD"
    respx.get(url).mock(
        return_value=httpx.Response(
            400, content=page.read_bytes(), headers={"Content-Type": "text/html"}
        )
    )
    with pytest.raises(SourceError, match="HTTP 400 .*'Request Error'"):
        client.fetch(store, ResourceRequest(source="wdi", resource="x", url=url))
    objects = store.root / "objects"
    assert not objects.exists() or not any(p.is_file() for p in objects.rglob("*"))
    tmp = store.root / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir())
