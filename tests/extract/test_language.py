"""The page language: Vietnamese text wins over a wrong declaration, otherwise the declaration stands."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.extract.article import _VI_CHARS, _language
from ingest.extract.metadata import Meta

EN = Meta(html_lang="en-us")


def _by_definition(sample: str) -> str | None:
    """The rule as stated: at least 40 letters, of which more than 3% carry Vietnamese marks."""
    head = sample[:1500]
    letters = sum(1 for c in head if c.isalpha())
    if letters >= 40 and len(_VI_CHARS.findall(head)) > letters * 0.03:
        return "vi"
    return "en"


def test_vietnamese_text_overrides_a_wrong_declaration() -> None:
    text = "Nông dân Kon Tum trúng mùa cà phê, giá tăng mạnh so với năm trước; người trồng phấn khởi thu hoạch."
    assert _language(EN, text) == "vi"
    assert _language(EN, "Coffee farmers in Kon Tum had a good harvest this year, with prices rising fast.") == "en"
    assert _language(Meta(), "") is None


@given(
    st.text(alphabet=st.sampled_from(list("abcdeđâăơư ạảấầẩ.,1234²½Ⅻ\u00a0-")), max_size=2000),
)
def test_language_follows_the_rule_on_any_mix_of_letters(sample: str) -> None:
    assert _language(EN, sample) == _by_definition(sample)


def test_language_at_the_thresholds() -> None:
    # 50 marked among 1,450 letters (3.4%): Vietnamese; 40 among 1,440 (2.8%): not.
    assert _language(EN, "ạ" * 50 + " " + "a" * 1400) == "vi"
    assert _language(EN, "ạ" * 40 + " " + "a" * 1400) == "en"
    # 39 marked letters and 100 plain ones: past 40 letters and 3%.
    assert _language(EN, "ạ" * 39 + " " + "a" * 100) == "vi"
    # Few letters in all (digits around them): under 40 letters is too little to judge.
    assert _language(EN, "ạ" * 30 + "1" * 1470) == "en"
    for sample in ("ạ" * 40 + "1" * 1460, "ạ" * 45 + "." * 1455, "ạ" * 40 + "a" * 1300 + "1" * 160):
        assert _language(EN, sample) == _by_definition(sample)
