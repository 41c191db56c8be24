"""The streaming xlsx reader on files as Excel and WPS save them: text in a shared-string
table (openpyxl writes inline strings, so its files never exercise this)."""

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junjia.core import xlsx

SHARED = (
    "<si><t>王五</t></si>"  # 0 plain
    "<si><t>A&amp;B &lt;1&gt;</t></si>"  # 1 escaped
    '<si><t xml:space="preserve"> 前后有空格 </t></si>'  # 2 kept as typed
    "<si><r><rPr><b/></rPr><t>加粗</t></r><r><t>普通</t></r></si>"  # 3 rich text runs
    "<si><t>漢字</t><rPh sb='0' eb='2'><t>カンジ</t></rPh></si>"  # 4 phonetic run dropped
    "<si/>"  # 5 empty
    "<si><t>换_x000D_行</t></si>"  # 6 escaped control character
    "<si><t></t></si>"  # 7 empty text
)


def _book(shared: str, cells: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="基本信息" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/sharedStrings.xml", f"<sst>{shared}</sst>")
        rows = "".join(
            f'<row r="{r}"><c r="A{r}" t="s"><v>{cell}</v></c></row>'
            for r, cell in enumerate(cells, 1)
        )
        sheet = f"<worksheet><sheetData>{rows}</sheetData></worksheet>"
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def test_shared_strings_plain_escaped_rich_phonetic_and_empty():
    book = xlsx.StreamingWorkbook(_book(SHARED, [str(i) for i in range(8)]))
    assert [values[0] for _, values in book.rows("基本信息")] == [
        "王五",
        "A&B <1>",
        " 前后有空格 ",
        "加粗普通",
        "漢字",
        "",
        "换\r行",
        "",
    ]


@pytest.mark.parametrize("count", [1, 60_000])
def test_a_large_shared_string_table_keeps_every_index(count):
    shared = "".join(f"<si><t>姓名{i}</t></si>" for i in range(count))
    picks = [0, count // 2, count - 1]
    book = xlsx.StreamingWorkbook(_book(shared, [str(i) for i in picks]))
    assert [values[0] for _, values in book.rows("基本信息")] == [f"姓名{i}" for i in picks]


def _beyond_hot(count: int) -> tuple[str, list[str]]:
    """A table longer than the in-memory head, with text of every UTF-8 width."""
    texts = [f"{i}号·张三丰😀é" if i % 3 else f"addr {i}" for i in range(count)]
    return "".join(f"<si><t>{t}</t></si>" for t in texts), texts


def test_an_upload_read_from_a_file_gives_the_same_rows(tmp_path):
    shared, texts = _beyond_hot(xlsx._SharedStrings.HOT + 500)
    picks = [0, 7, xlsx._SharedStrings.HOT - 1, xlsx._SharedStrings.HOT, len(texts) - 1]
    path = tmp_path / "upload.xlsx"
    path.write_bytes(_book(shared, [str(i) for i in picks]))
    with path.open("rb") as handle:
        xlsx.check_upload(handle)
        with xlsx.StreamingWorkbook(handle) as book:
            assert [values[0] for _, values in book.rows("基本信息")] == [texts[i] for i in picks]
            assert len(book._strings) == len(texts)


def test_a_file_upload_is_refused_like_bytes(tmp_path):
    big = tmp_path / "big.xlsx"
    big.write_bytes(_book(SHARED, ["0"]))
    with big.open("rb") as handle, pytest.raises(xlsx.XlsxError, match="上限"):
        xlsx.check_upload(handle, max_bytes=100)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with locked.open("rb") as handle, pytest.raises(xlsx.XlsxError, match="加密"):
        xlsx.check_upload(handle)
    text = tmp_path / "text.xlsx"
    text.write_bytes("姓名,身份证号码\n".encode())
    with text.open("rb") as handle, pytest.raises(xlsx.XlsxError, match="不是 Excel"):
        xlsx.check_upload(handle)


_FORKED: xlsx.StreamingWorkbook | None = None


def _read_in_child(index: int) -> str:
    return _FORKED.shared_string(index)


def test_forked_workers_read_the_table_from_the_shared_file():
    import multiprocessing

    global _FORKED
    shared, texts = _beyond_hot(xlsx._SharedStrings.HOT + 50)
    picks = [3, xlsx._SharedStrings.HOT + 1, len(texts) - 1]
    with (
        xlsx.StreamingWorkbook(_book(shared, ["0"])) as _FORKED,
        multiprocessing.get_context("fork").Pool(2) as pool,
    ):
        assert pool.map(_read_in_child, picks) == [texts[i] for i in picks]
    _FORKED = None


def test_an_index_outside_the_table_is_a_damaged_file():
    with xlsx.StreamingWorkbook(_book(SHARED, ["0"])) as book:
        for index in (8, -1):
            with pytest.raises(xlsx.XlsxError, match=f"不存在的第 {index} 项共享文本"):
                book.shared_string(index)
    # and a whole file that refers past its table is refused with that message
    with (
        xlsx.StreamingWorkbook(_book(SHARED, ["0", "99"])) as book,
        pytest.raises(xlsx.XlsxError, match="第 99 项"),
    ):
        list(book.rows("基本信息"))


_TABLE: xlsx._SharedStrings | None = None


def _table() -> tuple[xlsx._SharedStrings, list[str]]:
    """Strings of every UTF-8 width, some long enough that a run of them passes the 1 MB
    read limit."""
    global _TABLE
    texts = [(f"{i}·青岛😀" * (6000 if i % 500 == 0 else 1)) for i in range(12_000)]
    if _TABLE is None:
        _TABLE = xlsx._SharedStrings()
        _TABLE.extend(texts[:5000])
        _TABLE.extend(texts[5000:])
    return _TABLE, texts


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(0, 11_999),
            st.integers(0, 300).map(lambda g: 8000 + g * 13),  # a dense run with gaps
        ),
        max_size=400,
    )
)
def test_a_block_reads_the_strings_a_lookup_at_a_time_would(indexes):
    table, texts = _table()
    raws = [str(i) for i in indexes]
    assert table.block(raws) == {i: texts[i] for i in indexes}


@pytest.mark.parametrize("raw", ["12000", "-1", "", "x"])
def test_a_block_naming_a_missing_string_is_a_damaged_file(raw):
    table, _ = _table()
    with pytest.raises(xlsx.XlsxError, match="文件已损坏"):
        table.block(["1", raw])


def test_escaped_halves_of_a_utf16_pair_become_one_character():
    """Excel may escape a character as _xHHHH_, an emoji as its two UTF-16 halves; a lone half
    is not text and becomes U+FFFD (the row's checks then judge it), never a failed file."""
    hot = xlsx._SharedStrings.HOT
    shared = (
        "".join(f"<si><t>{i}</t></si>" for i in range(hot))
        + "<si><t>a_xD83D__xDE00_b</t></si><si><t>a_xD83D_b</t></si>"
    )
    with xlsx.StreamingWorkbook(_book(shared, ["0", str(hot), str(hot + 1)])) as book:
        assert [values[0] for _, values in book.rows("基本信息")] == ["0", "a😀b", "a\ufffdb"]
        assert book.shared_string(hot + 1) == "a\ufffdb"
