using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>The onset of a CRS or ICANS episode (<c>episode.onset_at</c>): the first instant graded 1 or more.</summary>
public sealed record EpisodeOnset(string PatientId, Scale Scale, DateTimeOffset OnsetAt);
