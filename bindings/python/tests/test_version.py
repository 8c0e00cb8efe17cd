import syncline


def test_version_comes_from_the_native_library():
    assert syncline.version() == "0.1.0"
