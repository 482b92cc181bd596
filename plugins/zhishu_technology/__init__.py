"""zhishu_technology: placeholder, being written."""
