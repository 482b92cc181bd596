"""zhishu_supercomputers: placeholder, being written."""
