// ESLint rule `taxi/no-kafkajs-in-api`, for libs/kafka/src/index.ts: every symbol the lib exports
// is checked, through the types of its properties, parameters, results and type arguments, for a
// type that kafkajs declares. The lib speaks to apps in its own types, so that kafkajs stays one
// lib's business (ADR 003, ADR 032); `export *` is refused too, since it would export names nobody
// chose. Needs type information (parserOptions.projectService).
import ts from 'typescript';

const KAFKAJS = /[\\/]node_modules[\\/]kafkajs[\\/]/;

/** @param {ts.Program} program */
const classify = (program) => {
  /** @param {ts.Declaration} declaration */
  const fileOf = (declaration) => declaration.getSourceFile();
  return {
    /** @param {ts.Symbol | undefined} symbol */
    fromKafkajs: (symbol) =>
      (symbol?.declarations ?? []).some((d) => KAFKAJS.test(fileOf(d).fileName)),
    /** Declared in this repository's own sources: its members are part of what the lib shows. */
    /** @param {ts.Symbol | undefined} symbol */
    ours: (symbol) =>
      (symbol?.declarations ?? []).some((d) => {
        const file = fileOf(d);
        return (
          !file.fileName.includes('/node_modules/') && !program.isSourceFileDefaultLibrary(file)
        );
      }),
  };
};

/**
 * The first kafkajs type reachable from `type`, with the path to it, or undefined.
 * @param {ts.TypeChecker} checker
 * @param {ReturnType<typeof classify>} where
 */
const findKafkajsType = (checker, where) => {
  const seen = new Set();
  /** @param {ts.Type} type @param {string} path @returns {{ type: string, path: string } | undefined} */
  const walk = (type, path) => {
    if (seen.has(type)) return undefined;
    seen.add(type);
    const named = [type.aliasSymbol, type.getSymbol()];
    if (named.some(where.fromKafkajs)) return { type: checker.typeToString(type), path };
    const inner = [];
    for (const argument of type.aliasTypeArguments ?? []) inner.push([argument, `${path}<…>`]);
    if (type.isUnionOrIntersection()) for (const part of type.types) inner.push([part, path]);
    if (type.flags & ts.TypeFlags.TypeParameter) {
      const constraint = checker.getBaseConstraintOfType(type);
      if (constraint && constraint !== type) inner.push([constraint, path]);
    }
    if (type.flags & ts.TypeFlags.Object && type.objectFlags & ts.ObjectFlags.Reference) {
      for (const argument of checker.getTypeArguments(type)) inner.push([argument, `${path}<…>`]);
    }
    // Members of the repository's own types (and of type literals written in it); a type of
    // another package shows only its type arguments (Promise<X>, Map<K, V>).
    if (named.some(where.ours)) {
      for (const property of checker.getPropertiesOfType(type))
        inner.push([checker.getTypeOfSymbol(property), `${path}.${property.getName()}`]);
      const signatures = [
        ...checker.getSignaturesOfType(type, ts.SignatureKind.Call),
        ...checker.getSignaturesOfType(type, ts.SignatureKind.Construct),
      ];
      for (const signature of signatures) {
        for (const parameter of signature.getParameters())
          inner.push([checker.getTypeOfSymbol(parameter), `${path}(${parameter.getName()})`]);
        inner.push([checker.getReturnTypeOfSignature(signature), `${path}()`]);
        for (const parameter of signature.getTypeParameters() ?? []) inner.push([parameter, path]);
      }
      for (const info of checker.getIndexInfosOfType(type)) inner.push([info.type, `${path}[]`]);
    }
    for (const [next, nextPath] of inner) {
      const found = walk(next, nextPath);
      if (found) return found;
    }
    return undefined;
  };
  return walk;
};

export const noKafkajsInApi = {
  meta: {
    type: 'problem',
    docs: { description: "libs/kafka's public API exposes no kafkajs type" },
    messages: {
      leak: "'{{name}}' exposes kafkajs' `{{type}}` (at {{path}}): the lib's API speaks in its own types (ADR 003, ADR 032)",
      exportAll: 'name what the lib exports one by one: `export *` exports whatever a module has',
    },
    schema: [],
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) {
      throw new Error(
        'taxi/no-kafkajs-in-api needs type information (parserOptions.projectService)',
      );
    }
    const checker = services.program.getTypeChecker();
    const where = classify(services.program);
    /** Where each exported name is written, to report it there. */
    const written = new Map();
    return {
      ExportAllDeclaration: (node) => context.report({ node, messageId: 'exportAll' }),
      ExportSpecifier: (node) => written.set(node.exported.name ?? node.exported.value, node),
      'ExportNamedDeclaration > :matches(FunctionDeclaration, ClassDeclaration, TSInterfaceDeclaration, TSTypeAliasDeclaration)':
        (node) => node.id && written.set(node.id.name, node),
      'ExportNamedDeclaration > VariableDeclaration > VariableDeclarator': (node) =>
        node.id.type === 'Identifier' && written.set(node.id.name, node),
      'Program:exit': (program) => {
        const module = checker.getSymbolAtLocation(services.esTreeNodeToTSNodeMap.get(program));
        if (!module) return;
        for (const exported of checker.getExportsOfModule(module)) {
          const symbol =
            exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
          const name = exported.getName();
          const walk = findKafkajsType(checker, where);
          let found = where.fromKafkajs(symbol) ? { type: name, path: name } : undefined;
          if (!found && symbol.flags & ts.SymbolFlags.Type)
            found = walk(checker.getDeclaredTypeOfSymbol(symbol), name);
          if (!found && symbol.flags & ts.SymbolFlags.Value)
            found = walk(checker.getTypeOfSymbol(symbol), name);
          if (found)
            context.report({
              node: written.get(name) ?? program,
              messageId: 'leak',
              data: { name, type: found.type, path: found.path },
            });
        }
      },
    };
  },
};

export default { rules: { 'no-kafkajs-in-api': noKafkajsInApi } };
