using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Devices;

/// <summary>Section <c>Devices</c> (issue 17): the default grace period of an enrolled stream.</summary>
public sealed class DeviceSettings
{
    public const string SectionName = "Devices";

    /// <summary>The most an enrolment's grace or cadence may be (a day).</summary>
    public const int MaxSeconds = 86_400;

    /// <summary>
    /// How long a stream may stay silent beyond its expected cadence before it is a data gap ("no data"), in seconds,
    /// when the enrolment does not say (0-86400). A stream every 60 s with the default is "no data" 11 minutes after
    /// its last reading.
    /// </summary>
    public int GraceSeconds { get; init; } = 600;
}

public sealed class DeviceSettingsValidator : IValidateOptions<DeviceSettings>
{
    public ValidateOptionsResult Validate(string? name, DeviceSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.GraceSeconds is < 0 or > DeviceSettings.MaxSeconds
            ? ValidateOptionsResult.Fail($"Devices:GraceSeconds ({options.GraceSeconds}) must be from 0 to {DeviceSettings.MaxSeconds}: how long a stream may be silent past its cadence before it is a data gap.")
            : ValidateOptionsResult.Success;
    }
}
