"""The OpenAPI document: every operation lists its 401 and 422 with what they mean."""

from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema

from ponte.api.schemas import ErrorOut, ValidationErrorOut
from ponte.api.sending import BODY_MODELS

MEANINGS = {
    400: "Malformed input: a `before` that is not a cursor we gave, or a phone we cannot read.",
    401: "Missing or invalid API key: send `Authorization: Bearer <key>`.",
    404: "No such resource in your organization.",
    409: "The request conflicts with the current state (see `detail`).",
    413: "`too_large`: the file is over its kind's size limit (`detail` says so, for a "
         "person).",
    422: "A parameter or body field is invalid; `detail` lists each field and why.",
    502: "The WhatsApp engine refused or could not be reached.",
}
# Where a phone is the resource itself, one that cannot be read is a 422 too.
PHONE_422 = ("`invalid_phone`: the phone cannot be read as a number (`detail` says why); "
             "or `invalid`: a parameter or body field is invalid (`detail` lists each).")


OWNER_422 = ("`invalid_owner`: the e-mail is not a member of your organization (`detail` says "
             "so, for a person); or `invalid`: a parameter or body field is invalid (`detail` "
             "lists each).")

FILE_422 = ("A file refused (`error` names why, `detail` says it for a person), or `invalid`: a "
            "body field is invalid (`detail` lists each).")

AI_422 = ("`invalid_base_url`, `invalid_model`, `invalid_api_key`, `invalid_style_note` or "
          "`invalid_daily_budget`: a setting that cannot be stored (`detail` says why, for a "
          "person); or `invalid`: a body field is invalid (`detail` lists each).")


def answers(ok: dict[int, type], *errors: int) -> dict[int, type]:
    """An operation's success plus the errors every operation can give and its own."""
    return {**ok, 401: ErrorOut, 422: ValidationErrorOut,
            **{status: ErrorOut for status in errors}}


class PonteAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    if int(status) in MEANINGS:
                        response["description"] = MEANINGS[int(status)]
                    if int(status) == 422 and "InvalidPhoneOrFieldsOut" in str(response):
                        response["description"] = PHONE_422
                    if int(status) == 422 and "InvalidOwnerOrFieldsOut" in str(response):
                        response["description"] = OWNER_422
                    if int(status) == 422 and "InvalidAISettingOrFieldsOut" in str(response):
                        response["description"] = AI_422
                    if int(status) == 422 and "InvalidFileOrFieldsOut" in str(response):
                        response["description"] = FILE_422
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in BODY_MODELS:  # request bodies an operation reads itself
            found = model.model_json_schema(ref_template=REF_TEMPLATE,
                                            schema_generator=NinjaGenerateJsonSchema)
            components.update(found.pop("$defs", {}))
            components[model.__name__] = found
        return schema


def docs() -> Swagger:
    # Swagger UI's assets come from django-ninja's static files (no CDN); its default
    # validator badge would call validator.swagger.io from every reader's browser.
    return Swagger(settings={"validatorUrl": None})
