using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Export;

public static class BulkExportRegistration
{
    /// <summary>
    /// The Bulk Data export machinery: settings (<c>ResearchExport</c>, checked at start-up), the worker that claims and
    /// builds exports on every node, and the hourly purge of expired exports. Register it after storage (hosted services
    /// start in order: the database is migrated before the worker looks at it). The content itself
    /// (<see cref="IResearchExportContent"/>) is registered by the research feature, not here.
    /// </summary>
    public static IServiceCollection AddBulkExport(this IServiceCollection services)
    {
        services.AddStrictSettings<ResearchExportSettings>(ResearchExportSettings.SectionName);
        services.AddSingleton<IValidateOptions<ResearchExportSettings>, ResearchExportSettingsValidator>();
        services.AddSingleton<ExportRuns>();
        services.AddSingleton<ExportRunner>();
        services.AddSingleton<ExportWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ExportWorker>());
        services.AddSingleton<ExportPurge>();
        services.AddHostedService(sp => sp.GetRequiredService<ExportPurge>());
        return services;
    }
}
