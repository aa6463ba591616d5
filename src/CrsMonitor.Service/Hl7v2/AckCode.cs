namespace CrsMonitor.Service.Hl7v2;

/// <summary>MSA-1 in original acknowledgment mode (HL7 table 0008).</summary>
public enum AckCode
{
    /// <summary>AA: the message's effects are committed.</summary>
    Accept,

    /// <summary>AE: the content was refused (ERR names the field); nothing was stored but the rejected message.</summary>
    Error,

    /// <summary>AR: not taken for a reason other than its content (type, version, processing id, database away): resend may help.</summary>
    Reject,
}
