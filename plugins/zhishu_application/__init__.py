"""zhishu_application: placeholder, being written."""
