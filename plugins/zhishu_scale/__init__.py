"""zhishu_scale: placeholder, being written."""
