-- Webhook signing secrets of the merchant's e-shop (Shopify app secret, WooCommerce webhook secret),
-- sealed with AES-256-GCM under a key derived from the master key, bound to merchant and platform.
-- Never stored in clear: a database dump alone does not let anyone forge a webhook.
CREATE TABLE integration_secrets (
  merchant_id   text NOT NULL,
  platform      text NOT NULL CHECK (platform IN ('shopify', 'woocommerce')),
  sealed_secret text NOT NULL,
  master_key_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, platform)
);
