using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// One protocol drug: the protocol version shown (in force today; its label onset and dose labels), and the curves of
/// each step-up dose, pooled over the versions the site's doses were given under.
/// </summary>
public sealed record DrugIncidence(string Drug, string ProtocolId, LabelOnset? LabelOnset, IReadOnlyList<StepUpIncidence> Doses);
