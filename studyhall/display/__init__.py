"""The corridor screen (楼层显示屏): registered screens, their rotating panels and the JSON they poll."""
