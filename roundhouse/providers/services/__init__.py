"""Local services Roundhouse can start and stop: catalog, process keeping, readiness.

Import from the submodules (catalog, launch, process); this package stays empty so the
keeper process, which runs as `python -m roundhouse.providers.services.keeper`, starts fast.
"""
