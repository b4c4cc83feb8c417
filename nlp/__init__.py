"""The understanding layer: normalise, segment, classify, route and grade citizens' messages.

Entry points: ``nlp.normalize`` (normalize_text, content_hash), ``nlp.segment`` (tokens,
search_tokens, add_user_words) and ``nlp.understand`` (Understander.load(...).understand(...)).
This package imports none of the product's other packages; configuration arrives as paths.
"""
