using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// What MSH says about a message: who sent it to whom (HD fields as <c>namespace^universal id^type</c>, trailing empty
/// parts dropped), its type (MSH-9), its control id (MSH-10), processing id (MSH-11), version (MSH-12) and character
/// set (MSH-18). Read as sent; whether they are acceptable is the handler's decision.
/// </summary>
public sealed record MessageHeader(
    string SendingApplication, string SendingFacility, string ReceivingApplication, string ReceivingFacility,
    string MessageCode, string TriggerEvent, string ControlId, string ProcessingId, string Version, string? CharacterSet)
{
    /// <summary>The type as HL7 writes it: <c>ORU^R01</c>.</summary>
    public string Type => $"{MessageCode}^{TriggerEvent}";

    /// <summary>The sender as the audit names it: <c>hl7v2:{MSH-3}@{MSH-4}</c>.</summary>
    public string Sender => $"hl7v2:{SendingApplication}@{SendingFacility}";

    public static MessageHeader Read(Er7Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var msh = message.Msh;
        return new MessageHeader(
            Hd(msh[3]), Hd(msh[4]), Hd(msh[5]), Hd(msh[6]), msh[9][1], msh[9][2], msh[10].Value, msh[11].Value, msh[12].Value,
            msh[18].IsPresent ? msh[18].Value : null);
    }

    private static string Hd(Er7Field field) =>
        string.Join('^', field.First.Components.Select(c => c.Value)).TrimEnd('^');
}
