namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// One dose's follow-up for one scale, in hours from the start of its infusion: to the onset of the first episode
/// (<see cref="IsEvent"/>), or to the instant it stopped being observed (censored: the next dose, now, or the horizon).
/// </summary>
public readonly record struct FollowUp(decimal Hours, bool IsEvent);
