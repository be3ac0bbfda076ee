using Mono.Cecil;
using Mono.Cecil.Cil;
using PveTokens.Client;

namespace PveTokens.Tests.Module;

/// <summary>
/// The layers of docs/architecture.md, enforced on the compiled module: every type the code of a
/// layer names (in signatures, fields, attributes, locals and method bodies, lambdas and async state
/// machines included) must come from a layer it may use. Reading the IL rather than the sources
/// catches fully qualified names and `using` aliases alike.
/// </summary>
public sealed class LayerTests
{
    private const string Root = "PveTokens";
    private const string Access = "PveTokens.Access";
    private const string ClientLayer = "PveTokens.Client";
    private const string Commands = "PveTokens.Commands";
    private const string Completion = "PveTokens.Completion";
    private const string Models = "PveTokens.Models";

    /// <summary>The module's namespaces and the module namespaces each may use (besides itself).</summary>
    private static readonly Dictionary<string, string[]> MayUse = new()
    {
        [Access] = new[] { Models },
        [ClientLayer] = new[] { Access, Models },
        [Models] = new[] { Access, ClientLayer },
        [Commands] = new[] { Access, ClientLayer, Models, Completion, Root },
        [Completion] = new[] { Access, ClientLayer, Models, Commands },
        [Root] = Array.Empty<string>(),
    };

    /// <summary>Where PowerShell's own types may appear: the cmdlets, completers, public models and the module initializer.</summary>
    private static readonly string[] MayUsePowerShell = { Commands, Completion, Models, Root };

    /// <summary>The access rules do no I/O: no network, no files, no processes.</summary>
    private static readonly string[] AccessMayNotUse = { "System.Net", "System.IO", "System.Diagnostics.Process" };

    private static readonly Lazy<ModuleDefinition> Module = new(() =>
        ModuleDefinition.ReadModule(typeof(PveClient).Assembly.Location));

    [Fact]
    public void Every_type_of_the_module_is_in_a_known_layer()
    {
        var strays = OwnTypes().Where(t => !MayUse.ContainsKey(LayerOf(t))).Select(t => $"{t.FullName} ({LayerOf(t)})").ToList();
        Assert.True(strays.Count == 0, "Types outside the layers of docs/architecture.md:\n" + string.Join("\n", strays));
    }

    [Fact]
    public void Each_layer_uses_only_the_layers_below_it()
    {
        var violations = new List<string>();
        foreach (TypeDefinition type in OwnTypes())
        {
            string layer = LayerOf(type);
            if (!MayUse.TryGetValue(layer, out string[]? allowed))
            {
                continue;
            }

            foreach (TypeReference used in ReferencedTypes(type))
            {
                if (used.Scope is ModuleDefinition || used.Scope?.Name == Module.Value.Assembly.Name.Name)
                {
                    string usedLayer = LayerOf(used);
                    if (usedLayer != layer && usedLayer.StartsWith(Root, StringComparison.Ordinal) && !allowed.Contains(usedLayer))
                    {
                        violations.Add($"{type.FullName} ({layer}) uses {used.FullName} ({usedLayer})");
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations.Distinct()));
    }

    [Fact]
    public void PowerShell_types_appear_only_in_commands_completion_models_and_the_initializer()
    {
        var violations = OwnTypes()
            .Where(t => !MayUsePowerShell.Contains(LayerOf(t)))
            .SelectMany(t => ReferencedTypes(t)
                .Where(used => used.Scope?.Name is "System.Management.Automation" ||
                               used.Namespace.StartsWith("System.Management.Automation", StringComparison.Ordinal))
                .Select(used => $"{t.FullName} uses {used.FullName}"))
            .Distinct()
            .ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_access_rules_do_no_io()
    {
        var violations = OwnTypes()
            .Where(t => LayerOf(t) == Access)
            .SelectMany(t => ReferencedTypes(t)
                .Where(used => AccessMayNotUse.Any(ns => used.Namespace.StartsWith(ns, StringComparison.Ordinal)))
                .Select(used => $"{t.FullName} uses {used.FullName}"))
            .Distinct()
            .ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_access_rules_never_name_a_session()
    {
        // Models is the public vocabulary the rules take and return; a session would be a way around
        // the layer to the client.
        var violations = OwnTypes()
            .Where(t => LayerOf(t) == Access)
            .SelectMany(t => ReferencedTypes(t).Where(u => u.FullName == "PveTokens.Models.PveSession").Select(_ => t.FullName))
            .Distinct()
            .ToList();
        Assert.True(violations.Count == 0, "Access types that name PveSession:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_test_sees_references_in_method_bodies()
    {
        // Guards the test itself: a layer rule is only as good as the references it collects.
        // AclPlanner.Apply is called only inside the async state machine, a nested type.
        Assert.Contains(ReferencedTypesWithNested("PveTokens.Client.AclChangeExecutor"), t => t.FullName == "PveTokens.Access.AclPlanner");
        Assert.Contains(ReferencedTypesWithNested("PveTokens.Commands.PveAclChangeCommandBase"), t => t.FullName == "PveTokens.Client.AclChangeExecutor");
        // System.Management.Automation is seen through the reference scope, as the PowerShell rule needs.
        Assert.Contains(ReferencedTypesWithNested("PveTokens.Commands.PveCmdletBase"), t => t.Scope?.Name == "System.Management.Automation");
    }

    private static IEnumerable<TypeReference> ReferencedTypesWithNested(string fullName) =>
        OwnTypes().Where(t => OuterMost(t).FullName == fullName).SelectMany(ReferencedTypes);

    private static IEnumerable<TypeDefinition> OwnTypes() =>
        Module.Value.GetTypes().Where(t => OuterMost(t).Namespace.StartsWith(Root, StringComparison.Ordinal));

    private static TypeReference OuterMost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static string LayerOf(TypeReference type) => OuterMost(type).Namespace;

    private static IEnumerable<TypeReference> ReferencedTypes(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (TypeReference argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification spec:
                    Add(spec.ElementType);
                    return;
                case GenericParameter:
                    return;
                default:
                    found.Add(t);
                    return;
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (CustomAttribute attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
                foreach (CustomAttributeArgument argument in attribute.ConstructorArguments)
                {
                    Add(argument.Value as TypeReference);
                }
            }
        }

        void AddMethod(MethodReference method)
        {
            Add(method.DeclaringType);
            Add(method.ReturnType);
            foreach (ParameterDefinition parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
            }

            if (method is GenericInstanceMethod generic)
            {
                foreach (TypeReference argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (InterfaceImplementation implemented in type.Interfaces)
        {
            Add(implemented.InterfaceType);
        }

        foreach (FieldDefinition field in type.Fields)
        {
            Add(field.FieldType);
            AddAttributes(field);
        }

        foreach (PropertyDefinition property in type.Properties)
        {
            Add(property.PropertyType);
            AddAttributes(property);
        }

        foreach (MethodDefinition method in type.Methods)
        {
            AddMethod(method);
            AddAttributes(method);
            foreach (ParameterDefinition parameter in method.Parameters)
            {
                AddAttributes(parameter);
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (VariableDefinition variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (Instruction instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        Add(t);
                        break;
                    case MethodReference m:
                        AddMethod(m);
                        break;
                    case FieldReference f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }

        return found;
    }
}
