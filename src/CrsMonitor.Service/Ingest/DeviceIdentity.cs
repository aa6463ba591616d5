using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The one text a device is known by (issue 17, <see cref="Readings.Reading.Device"/>), from <c>Observation.device</c>:
/// its logical identifier as <c>system|value</c> (<c>|value</c> without a system), else a conditional reference
/// <c>Device?identifier=system|value</c> left as sent (Devices are not stored: <see cref="Endpoints.ConditionalReferences"/>)
/// as <c>system|value</c>, else the literal reference as sent (<c>Device/abc</c>). The identifier wins over the reference:
/// it is what is printed on the device and what a nurse enrols. Null when there is nothing to name it by.
/// </summary>
public static class DeviceIdentity
{
    /// <summary>The longest identity kept (longer ones are not a device's name: not kept).</summary>
    public const int MaxLength = 200;

    private const string ConditionalPrefix = "Device?identifier=";

    public static string? Of(ResourceReference? device)
    {
        if (device is null)
        {
            return null;
        }

        string? identity = null;
        if (device.Identifier is { Value: { Length: > 0 } value } identifier)
        {
            identity = $"{identifier.System}|{value}";
        }
        else if (device.Reference is { Length: > 0 } reference)
        {
            identity = reference.StartsWith(ConditionalPrefix, StringComparison.Ordinal)
                ? Uri.UnescapeDataString(reference[ConditionalPrefix.Length..])
                : reference;
        }

        identity = identity?.Trim();
        return identity is { Length: > 0 and <= MaxLength } ? identity : null;
    }
}
