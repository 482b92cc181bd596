"""zhishu_nbs: placeholder, being written."""
