import pytest

import syncline

TASK_SCHEMA = """[
  {"name": "Task", "primaryKey": "_id", "properties": {
     "_id": "int", "title": "string", "done": {"type": "bool", "default": false},
     "tags": "string[]"}}
]"""


@pytest.fixture
def db(tmp_path):
    database = syncline.Database.open(str(tmp_path / "test.db"), TASK_SCHEMA)
    yield database
    database.close()
