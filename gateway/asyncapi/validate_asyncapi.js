// Validates AsyncAPI documents with @asyncapi/parser (the parser behind the
// AsyncAPI CLI's `validate`: specification schema, references, Spectral
// ruleset), then checks what the parser leaves alone: every message
// example's payload and headers against the message's schemas (ajv, the
// parser's own JSON Schema validator). Exit status 1 when any document has
// an error.
//
//   NODE_PATH=<dir with @asyncapi/parser> node validate_asyncapi.js a.json...
'use strict';
const fs = require('fs');
const { Parser, DiagnosticSeverity } = require('@asyncapi/parser');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

function exampleValidator() {
  // strict: false tolerates the parser's `x-parser-*` annotations.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // The proto3 JSON mapping's numeric formats (OpenAPI's names).
  const int = (bits, signed) => (v) => Number.isInteger(v) &&
      v >= (signed ? -(2 ** (bits - 1)) : 0) &&
      v < (signed ? 2 ** (bits - 1) : 2 ** bits);
  ajv.addFormat('int32', { type: 'number', validate: int(32, true) });
  ajv.addFormat('uint32', { type: 'number', validate: int(32, false) });
  ajv.addFormat('int64', { type: 'string', validate: /^-?[0-9]+$/ });
  ajv.addFormat('uint64', { type: 'string', validate: /^[0-9]+$/ });
  return ajv;
}

// Errors of the examples of every message of `document`.
function exampleErrors(document) {
  const ajv = exampleValidator();
  const errors = [];
  for (const message of document.allMessages()) {
    for (const example of message.examples().all()) {
      for (const part of ['payload', 'headers']) {
        const schema = message[part]();
        const value = example[part]();
        if (schema === undefined || value === undefined) continue;
        const validate = ajv.compile(schema.json());
        if (!validate(value)) {
          errors.push(`message ${message.id()} example ${example.name()} ` +
                      `${part}: ${ajv.errorsText(validate.errors)}`);
        }
      }
    }
  }
  return errors;
}

async function main(files) {
  const parser = new Parser();
  let failed = false;
  for (const file of files) {
    const { document, diagnostics } = await parser.parse(
        fs.readFileSync(file, 'utf8'), { source: file });
    const errors = diagnostics.filter(
        (d) => d.severity === DiagnosticSeverity.Error);
    for (const d of diagnostics) {
      const where = (d.path || []).join('/');
      console.log(`${file}: ${['error', 'warning', 'info', 'hint'][d.severity]}` +
                  ` ${d.code} at /${where}: ${d.message}`);
    }
    if (document !== undefined) {
      for (const e of exampleErrors(document)) {
        console.log(`${file}: error example: ${e}`);
        errors.push(e);
      }
    }
    if (document === undefined || errors.length > 0) {
      console.log(`${file}: INVALID (${errors.length} errors)`);
      failed = true;
    } else {
      console.log(`${file}: valid AsyncAPI ${document.version()}, ` +
                  `${document.channels().length} channels, ` +
                  `${document.allMessages().length} messages`);
    }
  }
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(2);
});
