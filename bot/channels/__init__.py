"""What every chat adapter shares: the inbound pipeline and the signed button ids.

An adapter (``bot.telegram``, ``bot.whatsapp``) turns a platform update into an
``Inbound`` and each ``Reply`` into a platform call; everything in between, the
engine's commit, sending the committed replies, and leaving an update that was
not committed unconfirmed, is here, once.
"""
