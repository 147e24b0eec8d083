"""The platform's HTTP streaming inlet (``https://HOST/collection/{inletId}``): settings, plan,
checks, the record file's RowSource, and the connector the registry loads."""
