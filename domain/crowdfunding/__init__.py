"""Crowdfunding (众筹): donation, reward, equity and debt campaigns."""
