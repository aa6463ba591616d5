using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Hl7v2.Translation;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// What MSH must say before a message is read: a control id (MSH-10) to answer and to recognise a resend by, a
/// processing id this instance takes (MSH-11), a version (MSH-12) of 2.3 to 2.9, and a type it takes (MSH-9). A
/// missing control id is AE (content); the others are AR: the message is fine, this service does not take it.
/// </summary>
internal static class HeaderChecks
{
    private static readonly string[] Versions = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2", "2.9"];

    public static (AckCode Code, V2Issue Issue)? Problem(Er7Message message, MessageHeader header, Hl7v2Settings settings)
    {
        var msh = message.Msh;
        if (header.ControlId.Length == 0)
        {
            return (AckCode.Error, new V2Issue(msh.At(10), V2ErrorCode.RequiredFieldMissing, "is empty: the message control id is what the ACK answers and what makes a resend harmless"));
        }

        if (header.ControlId.Length > 199 || header.SendingApplication.Length > 227 || header.SendingFacility.Length > 227)
        {
            var field = header.ControlId.Length > 199 ? 10 : header.SendingApplication.Length > 227 ? 3 : 4;
            return (AckCode.Error, new V2Issue(msh.At(field), V2ErrorCode.DataTypeError, "is longer than HL7 allows (MSH-10: 199 characters, MSH-3 and MSH-4: 227)"));
        }

        if (header.ProcessingId != settings.ProcessingId)
        {
            return (AckCode.Reject, new V2Issue(msh.At(11), V2ErrorCode.UnsupportedProcessingId,
                $"processing id '{header.ProcessingId}' is not taken here: this instance takes '{settings.ProcessingId}' ({Hl7v2Settings.SectionName}:{nameof(Hl7v2Settings.ProcessingId)})"));
        }

        if (!Versions.Contains(header.Version))
        {
            return (AckCode.Reject, new V2Issue(msh.At(12), V2ErrorCode.UnsupportedVersionId,
                $"version '{header.Version}' is not taken here ({string.Join(", ", Versions)})"));
        }

        if (!V2Translator.Supported.Contains(header.Type))
        {
            var known = V2Translator.Supported.Any(t => t.StartsWith(header.MessageCode + "^", StringComparison.Ordinal));
            return (AckCode.Reject, new V2Issue(msh.At(9, known ? 2 : 1), known ? V2ErrorCode.UnsupportedEventCode : V2ErrorCode.UnsupportedMessageType,
                $"{header.Type} is not a message this service takes ({string.Join(", ", V2Translator.Supported)})"));
        }

        return null;
    }
}
