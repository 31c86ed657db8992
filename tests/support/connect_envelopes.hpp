#pragma once
// JsonConverter's envelopes (Kafka 4.4.0, schemas.enable=true) of the QuestDB Kafka
// connector's test records, for --value-format envelope: testLogicalTypes,
// testDecimalTypeNotSupported, testIntegerArrayRejection, testFloat32ArraySupport and
// testNestedStructWithArray. Shared by the encoder's tests and those against QuestDB.
#include <string>

namespace kilp::testing {

// The testLogicalTypes record, with a float32,
// a float64, a float32 array and an optional bytes field under a name QuestDB refuses.
inline const std::string kLogicalTypes =
    R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"firstname"},)"
    R"({"type":"int8","optional":false,"field":"age"},{"type":"int64","optional":false,)"
    R"("name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"col_timestamp"},)"
    R"({"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,)"
    R"("field":"col_date"},{"type":"int32","optional":false,)"
    R"("name":"org.apache.kafka.connect.data.Time","version":1,"field":"col_time"},)"
    R"({"type":"float","optional":false,"field":"ratio"},{"type":"double","optional":false,)"
    R"("field":"score"},{"type":"array","items":{"type":"float","optional":false},)"
    R"("optional":false,"field":"readings"},{"type":"bytes","optional":true,"field":"a*g*e"}],)"
    R"("optional":false,"name":"com.example.Person"},"payload":{"firstname":"John","age":42,)"
    R"("col_timestamp":1666533239123,"col_date":19288,"col_time":50039123,"ratio":0.1,)"
    R"("score":42.0,"readings":[23.5,24.1,23.8],"a*g*e":"AQID"}})";
// testDecimalTypeNotSupported's Decimal, testIntegerArrayRejection's int32 array.
inline const std::string kDecimal =
    R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
    R"({"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal",)"
    R"("version":1,"parameters":{"scale":"2"},"field":"price"}],"optional":false},)"
    R"("payload":{"id":7,"price":"MDk="}})";
inline const std::string kIntArray =
    R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"name"},)"
    R"({"type":"array","items":{"type":"int32","optional":false},"optional":false,)"
    R"("field":"counts"}],"optional":false},"payload":{"name":"counter1","counts":[1,2,3]}})";
// testNestedStructWithArray: a matrix of doubles beside a struct.
inline const std::string kNested =
    R"({"schema":{"type":"struct","fields":[{"type":"int16","optional":false,"field":"id"},)"
    R"({"type":"array","items":{"type":"array","items":{"type":"double","optional":false},)"
    R"("optional":false},"optional":false,"field":"m"},{"type":"struct","fields":[)"
    R"({"type":"string","optional":false,"field":"type"},{"type":"boolean","optional":false,)"
    R"("field":"on"}],"optional":false,"field":"sensor"}],"optional":false},)"
    R"("payload":{"id":3,"m":[[1.0,2.0],[3.0,4.0]],"sensor":{"type":"t1","on":true}}})";

// An envelope of `fields` (schema JSON of each, in order) and `payload`.
inline std::string envelope(const std::string& fields, const std::string& payload) {
  return R"({"schema":{"type":"struct","fields":[)" + fields + R"(]},"payload":)" + payload + "}";
}

}  // namespace kilp::testing
