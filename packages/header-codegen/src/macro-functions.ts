/**
 * Translates an arithmetic function-like macro into a TypeScript expression over BigInt that keeps
 * C's semantics: every operation is done in its C type and wrapped to that type's width.
 */
import {
  bitsOf,
  commonType,
  type DataModel,
  type IntTypeName,
  isUnsigned,
  promote,
  resolveType,
} from './c-types.js';
import { CodegenError } from './errors.js';
import type { Expr } from './expression.js';
import { sizeAndAlign } from './layout.js';

interface Compiled {
  readonly code: string;
  readonly type: IntTypeName;
}

const wrap = (code: string, type: IntTypeName, model: DataModel) =>
  `BigInt.as${isUnsigned(type, model) ? 'Uint' : 'Int'}N(${bitsOf(type, model)}, ${code})`;

/**
 * @param argumentName maps a macro parameter to the TS identifier holding its BigInt value.
 */
export function compileMacroExpression(
  expr: Expr,
  argumentName: (param: string) => string | undefined,
  paramType: IntTypeName,
  model: DataModel,
): Compiled {
  const visit = (node: Expr): Compiled => {
    switch (node.k) {
      case 'int': {
        const type = promote(node.type, model);
        return { code: `${node.value}n`, type };
      }
      case 'ident': {
        const name = argumentName(node.name);
        if (!name)
          throw new CodegenError(
            'ERR_CODEGEN_NOT_CONSTANT',
            `'${node.name}' is not a macro parameter`,
          );
        return { code: name, type: promote(paramType, model) };
      }
      case 'unary': {
        const arg = visit(node.arg);
        if (node.op === '!') return { code: `(${arg.code} === 0n ? 1n : 0n)`, type: 'int' };
        const type = promote(arg.type, model);
        if (node.op === '-') return { code: wrap(`-${arg.code}`, type, model), type };
        if (node.op === '~') return { code: wrap(`~${arg.code}`, type, model), type };
        return { code: arg.code, type };
      }
      case 'binary': {
        const left = visit(node.left);
        const right = visit(node.right);
        if (node.op === '&&')
          return { code: `(${left.code} !== 0n && ${right.code} !== 0n ? 1n : 0n)`, type: 'int' };
        if (node.op === '||')
          return { code: `(${left.code} !== 0n || ${right.code} !== 0n ? 1n : 0n)`, type: 'int' };
        if (node.op === '<<' || node.op === '>>') {
          const type = promote(left.type, model);
          return { code: wrap(`(${left.code} ${node.op} ${right.code})`, type, model), type };
        }
        const type = commonType(left.type, right.type, model);
        const a = left.type === type ? left.code : wrap(left.code, type, model);
        const b = right.type === type ? right.code : wrap(right.code, type, model);
        if (['==', '!=', '<', '>', '<=', '>='].includes(node.op)) {
          const op = node.op === '==' ? '===' : node.op === '!=' ? '!==' : node.op;
          return { code: `(${a} ${op} ${b} ? 1n : 0n)`, type: 'int' };
        }
        return { code: wrap(`(${a} ${node.op} ${b})`, type, model), type };
      }
      case 'conditional': {
        const test = visit(node.test);
        const then = visit(node.then);
        const otherwise = visit(node.otherwise);
        const type = commonType(then.type, otherwise.type, model);
        return {
          code: `(${test.code} !== 0n ? ${wrap(then.code, type, model)} : ${wrap(otherwise.code, type, model)})`,
          type,
        };
      }
      case 'cast': {
        const target = resolveType(node.type);
        if (target.kind !== 'int')
          throw new CodegenError('ERR_CODEGEN_NOT_CONSTANT', 'cast to a non-integer type');
        const arg = visit(node.arg);
        return { code: wrap(arg.code, target.name, model), type: promote(target.name, model) };
      }
      case 'sizeof':
      case 'alignof': {
        const { size, align } = sizeAndAlign(node.type, model, node.token);
        return { code: `${node.k === 'sizeof' ? size : align}n`, type: model.sizeType };
      }
      default:
        throw new CodegenError('ERR_CODEGEN_NOT_CONSTANT', `'${node.k}' cannot be translated`);
    }
  };
  return visit(expr);
}
