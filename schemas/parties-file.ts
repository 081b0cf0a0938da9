/** The parties file (PARTIES_FILE): the systems connected to the hub. Validated at boot. */
export const PartiesFileSchema = {
  "$id": "PartiesFile",
  "title": "Parties file (PARTIES_FILE): the systems connected to the hub",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "parties"
  ],
  "$defs": {
    "OidcIdentityProviderSettings": {
      "description": "An upstream OpenID Connect identity provider (VNeID-style): the hub is its relying party, with redirect URI {PUBLIC_URL}/sso/callback/{party code}",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "issuer",
        "clientId",
        "clientSecret",
        "acr"
      ],
      "properties": {
        "issuer": {
          "description": "Issuer URL; its /.well-known/openid-configuration is read. https, or http on this machine only",
          "type": "string",
          "pattern": "^https?://[^?#]+$"
        },
        "clientId": {
          "type": "string",
          "minLength": 1,
          "maxLength": 255
        },
        "clientSecret": {
          "type": "string",
          "minLength": 16,
          "maxLength": 512
        },
        "tokenEndpointAuthMethod": {
          "enum": [
            "client_secret_basic",
            "client_secret_post"
          ]
        },
        "scopes": {
          "description": "Space-separated scopes asked of the provider (default: openid profile)",
          "type": "string",
          "pattern": "^openid( [\\x21\\x23-\\x5b\\x5d-\\x7e]+)*$"
        },
        "claims": {
          "description": "Contract claim → the provider's claim that carries it (defaults: the same names)",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "id_number": { "type": "string", "minLength": 1 },
            "tech_id": { "type": "string", "minLength": 1 },
            "name": { "type": "string", "minLength": 1 },
            "birthdate": { "type": "string", "minLength": 1 },
            "gender": { "type": "string", "minLength": 1 },
            "email": { "type": "string", "minLength": 1 },
            "phone_number": { "type": "string", "minLength": 1 },
            "address": { "type": "string", "minLength": 1 },
            "account_type": { "type": "string", "minLength": 1 },
            "acr": { "type": "string", "minLength": 1 }
          }
        },
        "acr": {
          "description": "The assurance levels the provider can reach, e.g. [\"LoA2\"] or [\"IAL2\"]",
          "type": "array",
          "minItems": 1,
          "uniqueItems": true,
          "items": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._:-]{1,64}$"
          }
        },
        "profileUri": {
          "type": "string",
          "pattern": "^https?://"
        },
        "logoutUri": {
          "type": "string",
          "pattern": "^https?://"
        },
        "timeoutSeconds": {
          "type": "integer",
          "minimum": 1,
          "maximum": 60
        }
      }
    }
  },
  "properties": {
    "parties": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "code",
          "name",
          "kind"
        ],
        "if": {
          "required": [
            "kind"
          ],
          "properties": {
            "kind": {
              "const": "IDENTITY_PROVIDER"
            }
          }
        },
        "then": {
          "required": [
            "provider",
            "settings"
          ],
          "properties": {
            "provider": {
              "description": "The kind of upstream identity provider (adapters/identity/registry.ts); the built-in demo provider cannot be declared",
              "enum": [
                "oidc"
              ]
            },
            "settings": {
              "$ref": "#/$defs/OidcIdentityProviderSettings"
            }
          }
        },
        "properties": {
          "code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[A-Za-z0-9._:-]+$"
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200
          },
          "kind": {
            "enum": [
              "MINISTRY",
              "PROVINCE",
              "PORTAL",
              "PAYMENT_PROVIDER",
              "IDENTITY_PROVIDER"
            ]
          },
          "jurisdiction": {
            "type": "array",
            "items": {
              "type": "string",
              "description": "`*`, `*.<levels>` (every agency ending so), or one full agency code (four or more levels)",
              "pattern": "^(\\*|\\*(\\.[A-Za-z0-9]{1,10}){1,6}|[A-Za-z0-9]{1,10}(\\.[A-Za-z0-9]{1,10}){3,6})$"
            }
          },
          "scopes": {
            "type": "array",
            "uniqueItems": true,
            "items": {
              "enum": [
                "dossiers:write",
                "dossiers:read",
                "payments:write",
                "payments:read",
                "events:read",
                "reports:read",
                "admin"
              ]
            }
          },
          "clients": {
            "type": "array",
            "items": {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "clientId"
              ],
              "properties": {
                "clientId": {
                  "type": "string",
                  "minLength": 3,
                  "maxLength": 128,
                  "pattern": "^[A-Za-z0-9._~-]+$"
                },
                "clientSecret": {
                  "type": "string",
                  "minLength": 16,
                  "maxLength": 512
                },
                "clientSecretHash": {
                  "type": "string",
                  "pattern": "^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$"
                },
                "jwks": {
                  "type": "object",
                  "required": [
                    "keys"
                  ],
                  "properties": {
                    "keys": {
                      "type": "array",
                      "minItems": 1,
                      "items": {
                        "type": "object",
                        "required": [
                          "kty"
                        ]
                      }
                    }
                  }
                },
                "jwksUri": {
                  "type": "string",
                  "pattern": "^https?://"
                },
                "redirectUris": {
                  "type": "array",
                  "items": {
                    "type": "string",
                    "pattern": "^[a-z][a-z0-9+.-]*:"
                  }
                },
                "postLogoutRedirectUris": {
                  "type": "array",
                  "items": {
                    "type": "string",
                    "pattern": "^[a-z][a-z0-9+.-]*:"
                  }
                }
              }
            }
          },
          "notifyUrl": {
            "type": "string",
            "pattern": "^https?://"
          },
          "webhookSecret": {
            "type": "string",
            "pattern": "^whsec_[A-Za-z0-9+/=]{32,}$"
          },
          "provider": {
            "type": "string",
            "pattern": "^[a-z0-9-]+$"
          },
          "settings": {
            "type": "object"
          },
          "paymentPlatform": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "partnerCode",
              "secret",
              "confirmUrl"
            ],
            "properties": {
              "partnerCode": {
                "type": "string",
                "minLength": 1
              },
              "secret": {
                "type": "string",
                "minLength": 8
              },
              "confirmUrl": {
                "type": "string",
                "pattern": "^https?://"
              }
            }
          },
          "portalSync": {
            "description": "The national portal's integration endpoint: the hub syncs every accepted dossier, its progress and results there, in the portal's own format (a PORTAL party; one at most)",
            "type": "object",
            "additionalProperties": false,
            "required": [
              "baseUrl",
              "username",
              "password",
              "agencyCode"
            ],
            "properties": {
              "baseUrl": {
                "type": "string",
                "pattern": "^https?://"
              },
              "username": {
                "type": "string",
                "minLength": 1
              },
              "password": {
                "type": "string",
                "minLength": 1
              },
              "agencyCode": {
                "description": "madonvi of the hub's portal account",
                "type": "string",
                "minLength": 1
              },
              "dstcode": {
                "type": "string",
                "minLength": 1
              }
            }
          },
          "submissions": {
            "description": "How dossiers citizens submit online reach this party: pushed to its one-stop system (url, in the format of one of adapters/onestop/registry.ts), or held in GET /v1/inbox until acknowledged (the default)",
            "type": "object",
            "additionalProperties": false,
            "required": [
              "delivery"
            ],
            "properties": {
              "delivery": {
                "enum": [
                  "PUSH",
                  "PULL"
                ]
              },
              "url": {
                "type": "string",
                "pattern": "^https?://"
              },
              "adapter": {
                "type": "string",
                "pattern": "^[a-z0-9-]+$"
              },
              "authorization": {
                "description": "The Authorization header the hub sends with each push (e.g. \"Bearer ...\")",
                "type": "string",
                "minLength": 1
              }
            }
          },
          "rateLimit": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "max"
            ],
            "properties": {
              "max": {
                "type": "integer",
                "minimum": 1
              },
              "windowMs": {
                "type": "integer",
                "minimum": 1000
              }
            }
          }
        }
      }
    }
  }
} as const;
