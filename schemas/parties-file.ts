/** The parties file (PARTIES_FILE): the systems connected to the hub. Validated at boot. */
export const PartiesFileSchema = {
  "$id": "PartiesFile",
  "title": "Parties file (PARTIES_FILE): the systems connected to the hub",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "parties"
  ],
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
