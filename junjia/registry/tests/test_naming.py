"""Pinyin keys: the per-character fast path gives exactly what lazy_pinyin gives."""

from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from junjia.registry.naming import _slow_keys, pinyin_keys

# Common characters of names, surnames read differently as surnames or in phrases (单 曾 解
# 尉迟 万俟 长孙 仇 朴), and characters that form phrases with their neighbours (长江 银行).
_CHARS = (
    "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文单解尉迟俟长仇朴重乐区查银行都会大明小红"
    "建国军华伟芳娜秀英敏静丽强磊洋艳勇杰涛超"
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_CHARS, min_size=1, max_size=8))
def test_fast_keys_equal_lazy_pinyin(name):
    assert pinyin_keys(name) == _slow_keys(name)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=10))
def test_any_text_gives_the_same_keys(text):
    assert pinyin_keys(text) == _slow_keys(text)


def test_generated_names_and_known_readings():
    fake = Faker("zh_CN")
    fake.seed_instance(7)
    for _ in range(2000):
        name = fake.name()
        assert pinyin_keys(name) == _slow_keys(name)
    assert pinyin_keys("张三") == ("zhangsan", "zs")
    assert pinyin_keys("尉迟恭")[0] == _slow_keys("尉迟恭")[0]
    assert pinyin_keys("曾国藩") == _slow_keys("曾国藩")
