using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Export;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research;

public static class ResearchRegistration
{
    /// <summary>The de-identified research content: the pseudonym key (ResearchExport:PseudonymKeyFile, else the data folder), the cohort reader, the export content.</summary>
    public static IServiceCollection AddResearchContent(this IServiceCollection services)
    {
        services.AddSingleton(sp => PseudonymKey.LoadOrCreate(
            sp.GetRequiredService<IOptions<ResearchExportSettings>>().Value.PseudonymKeyFile is { Length: > 0 } file
                ? file
                : sp.GetRequiredService<DataDirectory>().PathOf(PseudonymKey.DefaultFileName)));
        services.AddSingleton<Deidentifier>();
        services.AddSingleton<ResearchCohort>();
        services.AddSingleton<IResearchExportContent, ResearchExportContent>();
        return services;
    }
}
