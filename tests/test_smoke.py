"""The form is served and a request sent from it is stored."""


def test_request_is_stored(submit, stored_requests):
    response = submit()
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/fr/sent")
    [stored] = stored_requests()
    assert stored.station.code == "st-etienne"
