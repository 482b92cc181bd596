# zhishu's pytest plugin: the fixtures zhishu_sample_frame and zhishu_sample_weights.
pytest_plugins = ["zhishu.testing"]
