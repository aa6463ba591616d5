using System.Diagnostics.CodeAnalysis;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>A row of <c>window_attestation</c>: the caregiver and proximity attestation of a window (the latest counts).</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class AttestationRow
{
    public string Id { get; set; } = "";
    public string WindowId { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string CaregiverName { get; set; } = "";
    public string CaregiverRelationship { get; set; } = "";
    public string? CaregiverPhone { get; set; }
    public int TravelMinutes { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset AttestedAt { get; set; }
    public string AttestedBy { get; set; } = "";
    public string Role { get; set; } = "";
}

/// <summary>A row of <c>pre_fever_watch</c>: one window's watch, kept by <see cref="PreFeverWatch"/>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class WatchRow
{
    public string WindowId { get; set; } = "";
    public string PatientId { get; set; } = "";

    /// <summary><c>before-dose</c>, <c>window-start</c>, or null while too few temperatures are charted for a baseline.</summary>
    public string? BaselineSource { get; set; }
    public DateTimeOffset? BaselineFrom { get; set; }
    public DateTimeOffset? BaselineTo { get; set; }
    public int BaselineCount { get; set; }
    public decimal? BaselineMean { get; set; }
    public decimal? BaselineSd { get; set; }

    /// <summary>°C; a reading strictly above it is a breach.</summary>
    public decimal? Threshold { get; set; }

    /// <summary>Readings from here on are scanned for breaches (the window's opening, or the end of a window-start baseline).</summary>
    public DateTimeOffset? ScanFrom { get; set; }

    /// <summary>The last reading scanned (the next pass reads after it; a changed reading at or before it rescans).</summary>
    public DateTimeOffset? ScannedUntil { get; set; }
    public DateTimeOffset? RunStartAt { get; set; }
    public int RunCount { get; set; }
    public DateTimeOffset? FirstBreachAt { get; set; }
    public DateTimeOffset? RaisedAt { get; set; }
    public DateTimeOffset? FeverAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public WatchRow Copy() => (WatchRow)MemberwiseClone();

    public bool SameAs(WatchRow other) =>
        other is not null && BaselineSource == other.BaselineSource && BaselineFrom == other.BaselineFrom && BaselineTo == other.BaselineTo
        && BaselineCount == other.BaselineCount && BaselineMean == other.BaselineMean && BaselineSd == other.BaselineSd && Threshold == other.Threshold
        && ScanFrom == other.ScanFrom && ScannedUntil == other.ScannedUntil && RunStartAt == other.RunStartAt && RunCount == other.RunCount
        && FirstBreachAt == other.FirstBreachAt && RaisedAt == other.RaisedAt && FeverAt == other.FeverAt;
}

/// <summary>A charted temperature (°C) as the watch reads it.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class TemperatureRow
{
    public DateTimeOffset At { get; set; }
    public decimal Value { get; set; }
}
