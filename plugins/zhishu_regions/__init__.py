"""zhishu_regions: placeholder, being written."""
