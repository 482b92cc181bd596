"""zhishu_environment: placeholder, being written."""
