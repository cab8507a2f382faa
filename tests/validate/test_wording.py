"""Small wording helpers of validate's messages."""

from __future__ import annotations

import pytest

from tfckpt.validate.wording import meta_label, with_article


@pytest.mark.parametrize("meta, phrase", [
    ("ssd", "an SSD"), ("faster_rcnn", "a Faster R-CNN"), ("center_net", "a CenterNet"),
    ("experimental_model", "an experimental_model")])
def test_a_meta_architecture_gets_the_article_it_is_read_with(meta, phrase):
    assert with_article(meta_label(meta)) == phrase
