// The JSON Schema of the v1 event, for consumers that validate what they read.
import schema from './diff-event.v1.schema.json';

export const diffEventSchema = schema;
