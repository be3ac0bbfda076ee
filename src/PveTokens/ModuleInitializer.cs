// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace PveTokens;

/// <summary>
/// Serves the module's third-party dependencies (System.Text.Json's netstandard closure) from the
/// dependencies/ folder beside PveTokens.dll. PowerShell 7 already has newer copies loaded and never
/// asks; Windows PowerShell 5.1 asks through AssemblyResolve, and only names in that folder are served,
/// so the module never replaces an assembly the host owns.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyFolder = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

    public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;

    public void OnRemove(PSModuleInfo module) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

    private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args) =>
        DependencyResolver.Resolve(DependencyFolder, new AssemblyName(args.Name), AppDomain.CurrentDomain.GetAssemblies());
}

/// <summary>The decision behind the AssemblyResolve hook, kept free of AppDomain state so it can be tested.</summary>
internal static class DependencyResolver
{
    /// <summary>
    /// Returns the assembly to satisfy <paramref name="requested"/>: one already loaded with the same
    /// name and at least the requested version, else the copy in <paramref name="folder"/> if one
    /// exists there, else null (not ours to serve).
    /// </summary>
    internal static Assembly? Resolve(string folder, AssemblyName requested, Assembly[] loaded)
    {
        string? path = CandidatePath(folder, requested);
        if (path is null)
        {
            return null;
        }

        foreach (Assembly assembly in loaded)
        {
            AssemblyName name = assembly.GetName();
            if (string.Equals(name.Name, requested.Name, StringComparison.OrdinalIgnoreCase) &&
                (requested.Version is null || (name.Version is not null && name.Version >= requested.Version)))
            {
                return assembly;
            }
        }

        return Assembly.LoadFrom(path);
    }

    /// <summary>The file in <paramref name="folder"/> that would serve <paramref name="requested"/>, or null.</summary>
    internal static string? CandidatePath(string folder, AssemblyName requested)
    {
        if (string.IsNullOrEmpty(requested.Name) || requested.Name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            return null;
        }

        string path = Path.Combine(folder, requested.Name + ".dll");
        return File.Exists(path) ? path : null;
    }
}
