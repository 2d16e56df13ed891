"""The case register: tracking numbers, routing, status, repeats, learned service suggestions and Open311 GeoReport v2."""
