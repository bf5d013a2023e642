"""The timeout service: expires leases, enforces deadlines, repairs invariants (`python -m services.timeout`)."""
