"""zhishu_analyses: placeholder, being written."""
