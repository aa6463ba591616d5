using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>How bad an ERR segment's finding is (ERR-4, HL7 table 0516).</summary>
public enum V2Severity
{
    Error,
    Warning,
}

/// <summary>The HL7 error codes this service answers with (ERR-3, HL7 table 0357).</summary>
public enum V2ErrorCode
{
    SegmentSequenceError = 100,
    RequiredFieldMissing = 101,
    DataTypeError = 102,
    TableValueNotFound = 103,
    UnsupportedMessageType = 200,
    UnsupportedEventCode = 201,
    UnsupportedProcessingId = 202,
    UnsupportedVersionId = 203,
    UnknownKeyIdentifier = 204,
    DuplicateKeyIdentifier = 205,
    ApplicationInternalError = 207,
}

/// <summary>One finding about a message: where (segment and field), what kind (table 0357), and what is wrong, in words.</summary>
public sealed record V2Issue(Er7Location Location, V2ErrorCode Code, string Text, V2Severity Severity = V2Severity.Error)
{
    /// <summary>The finding as one line for people: "OBX[2]-6: 'mmHg' is not ...".</summary>
    public override string ToString() => $"{Location}: {Text}";
}
