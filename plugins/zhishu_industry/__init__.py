"""zhishu_industry: placeholder, being written."""
