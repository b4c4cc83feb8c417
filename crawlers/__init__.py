"""Collecting citizen messages: platform spiders configured per site, pipelines, the runner, a demo site.

See crawlers/README.md. This package may import ``nlp`` and ``index`` only.
"""
