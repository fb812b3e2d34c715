# %% [markdown]
# # 05 · Retropropagação
#
# Na aula 04 o otimizador recebia o gradiente da perda pronto, das mãos do
# `tf.GradientTape`. Nesta aula você abre essa caixa-preta: a **retropropagação**
# (*backpropagation*) calcula o gradiente de todos os pesos de uma rede com uma única
# passada de trás para frente, aplicando a regra da cadeia camada por camada. Você vai
# fazer essa conta à mão, em NumPy, para uma camada densa e para uma convolução, e conferir
# cada número com o TensorFlow.
#
# Você vai aprender a:
#
# - desenhar uma conta como um **grafo computacional** e fazer, nele, a passada para frente
#   (os valores) e a passada para trás (os gradientes), com a **regra da cadeia**;
# - derivar a passada para trás de uma camada densa, `dx`, `dW` e `db`;
# - conferir qualquer gradiente com **diferenças finitas** e o **erro relativo**;
# - derivar os gradientes de uma convolução: `dw` é uma correlação da entrada com o
#   gradiente que vem de cima, e `dx` é uma convolução "cheia" com o filtro girado 180°;
# - medir, camada por camada, por que redes profundas com sigmoide não treinavam: o
#   **gradiente que desaparece**.
#
# Os termos seguem o glossário do curso, que dá também o nome em inglês de cada um:
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course_utils import config, conv, datasets, fmt, lessons
from course_utils.checks import ____
from course_utils.exercises.lesson05 import ex1, ex2, ex3, ex4
from course_utils.models import build_mnist_cnn

print(config.fast_mode_line())

# %% [markdown]
# ## Um grafo computacional
#
# Toda conta que uma rede faz pode ser desenhada como um **grafo computacional**
# (*computational graph*): cada nó é uma operação simples (somar, multiplicar, aplicar uma
# função) e cada seta leva um valor de um nó para o próximo. Veja o menor exemplo que já
# tem tudo: um neurônio com uma entrada $x$, peso $w$, viés $b$ e sigmoide, e a perda
# quadrática em relação ao alvo $t$:
#
# $$p = w\,x \qquad s = p + b \qquad y = \sigma(s) \qquad L = (y - t)^2$$
#
# A **passada para frente** (*forward pass*) calcula os valores da esquerda para a direita:

# %%
x_in, w_in, b_in, t_in = 2.0, -0.5, 0.3, 1.0

p = w_in * x_in
s = p + b_in
y = 1 / (1 + np.exp(-s))
L = (y - t_in) ** 2
for name, value in [("p = w·x", p), ("s = p + b", s), ("y = σ(s)", y), ("L = (y − t)²", L)]:
    print(f"{name:<14} {fmt.num(value, 4)}")

# %% [markdown]
# Queremos $\partial L / \partial w$: quanto a perda muda quando o peso muda um pouquinho.
# $L$ não depende de $w$ diretamente, mas por uma corrente: $w$ muda $p$, que muda $s$, que
# muda $y$, que muda $L$. A **regra da cadeia** (*chain rule*) diz que as taxas de variação
# de cada elo se multiplicam:
#
# $$\frac{\partial L}{\partial w} =
#   \frac{\partial L}{\partial y}\,\frac{\partial y}{\partial s}\,
#   \frac{\partial s}{\partial p}\,\frac{\partial p}{\partial w}$$
#
# Cada fator é a derivada **local** de um nó, que só depende dos valores que chegaram a
# ele: $\partial L/\partial y = 2(y - t)$, $\partial y / \partial s = \sigma(s)(1 - \sigma(s))
# = y(1 - y)$, $\partial s / \partial p = 1$ e $\partial p / \partial w = x$. A
# **passada para trás** (*backward pass*) faz essa multiplicação da direita para a
# esquerda, guardando o gradiente de cada nó: o gradiente que chega a um nó "de cima" (da
# saída) vezes a derivada local dá o gradiente que ele manda para baixo.

# %%
dL_dy = 2 * (y - t_in)
dL_ds = dL_dy * y * (1 - y)  # derivada local da sigmoide: y(1 − y)
dL_dp = dL_ds * 1.0  # a soma passa o gradiente adiante, sem mudar
dL_db = dL_ds * 1.0
dL_dw = dL_dp * x_in  # a multiplicação troca: para w vai o gradiente vezes x...
dL_dx = dL_dp * w_in  # ...e para x, o gradiente vezes w
by_hand = {"x": dL_dx, "w": dL_dw, "b": dL_db}
for name, value in [("∂L/∂y", dL_dy), ("∂L/∂s", dL_ds), ("∂L/∂p", dL_dp),
                    ("∂L/∂b", dL_db), ("∂L/∂w", dL_dw), ("∂L/∂x", dL_dx)]:
    print(f"{name:<6} {fmt.num(value, 4)}")

# %% [markdown]
# Agora a mesma conta no TensorFlow. O `tf.GradientTape` grava as operações da passada para
# frente (o grafo) e, em `tape.gradient`, percorre a gravação de trás para frente
# multiplicando as derivadas locais, exatamente como acima:

# %%
variables = {name: tf.Variable(value, dtype="float64")
             for name, value in [("x", x_in), ("w", w_in), ("b", b_in)]}
with tf.GradientTape() as tape:
    s_tf = variables["w"] * variables["x"] + variables["b"]
    L_tf = (tf.sigmoid(s_tf) - t_in) ** 2
tape_grads = dict(zip(variables, tape.gradient(L_tf, list(variables.values()))))
for name in variables:
    print(f"∂L/∂{name}: à mão {fmt.num(by_hand[name], 6):>9}   "
          f"GradientTape {fmt.num(float(tape_grads[name]), 6):>9}")

# %% [markdown]
# O grafo desenhado, com os valores da passada para frente em verde, em cima de cada seta,
# e os gradientes da passada para trás em vermelho, embaixo:


# %%
def draw_graph(ax, nodes, edges):
    """Desenha nós (nome -> (x, y, rótulo)) e setas (origem, destino, valor, gradiente)."""
    for x_pos, y_pos, label in nodes.values():
        operation = len(label) <= 2
        ax.text(x_pos, y_pos, label, ha="center", va="center", fontsize=12,
                bbox=dict(boxstyle="circle" if operation else "round", fc="#eef3fb",
                          ec="#4a6fa5"))
    for start, end, value, grad in edges:
        (x0, y0, _), (x1, y1, _) = nodes[start], nodes[end]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color="gray", shrinkA=16, shrinkB=16))
        middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        label_box = dict(fc="white", ec="none", pad=0.5)
        ax.text(middle[0], middle[1] + 0.16, value, ha="center", va="center", color="tab:green",
                fontsize=9, bbox=label_box)
        ax.text(middle[0], middle[1] - 0.16, grad, ha="center", va="center", color="tab:red",
                fontsize=9, bbox=label_box)
    ax.set_xlim(-0.6, 7.8)
    ax.set_ylim(-0.9, 2.6)
    ax.axis("off")


graph_nodes = {
    "x": (0, 2, "x"), "w": (0, 0.6, "w"), "mul": (1.8, 1.3, "×"), "b": (1.8, -0.3, "b"),
    "add": (3.4, 0.9, "+"), "sig": (4.9, 0.9, "σ"), "t": (4.9, -0.5, "t"),
    "loss": (6.4, 0.9, "(·−t)²"), "L": (7.5, 0.9, "L"),
}
n3, n4 = (lambda v: fmt.num(round(v, 3))), (lambda v: fmt.num(round(v, 4)))
graph_edges = [
    ("x", "mul", f"x = {n3(x_in)}", f"∂L/∂x = {n3(dL_dx)}"),
    ("w", "mul", f"w = {n3(w_in)}", f"∂L/∂w = {n3(dL_dw)}"),
    ("mul", "add", f"p = {n3(p)}", f"∂L/∂p = {n3(dL_dp)}"),
    ("b", "add", f"b = {n3(b_in)}", f"∂L/∂b = {n3(dL_db)}"),
    ("add", "sig", f"s = {n3(s)}", f"∂L/∂s = {n3(dL_ds)}"),
    ("sig", "loss", f"y = {n3(y)}", f"∂L/∂y = {n3(dL_dy)}"),
    ("t", "loss", f"t = {n3(t_in)}", ""),
    ("loss", "L", f"{n4(L)}", "1"),
]
fig, ax = plt.subplots(figsize=(11, 4))
draw_graph(ax, graph_nodes, graph_edges)
ax.set_title("Passada para frente (verde) e para trás (vermelho) no grafo do neurônio")
fig.tight_layout()

# %% [markdown]
# Três padrões aparecem em qualquer rede, por maior que seja:
#
# - a **soma** distribui o gradiente que chega, sem mudar, para todas as suas entradas
#   ($\partial L/\partial b = \partial L/\partial p = \partial L/\partial s$);
# - a **multiplicação** troca: o gradiente de $w$ é o que chega vezes $x$, e o de $x$ é o
#   que chega vezes $w$;
# - quando um valor alimenta **vários** nós, os gradientes que voltam de cada um se
#   **somam** (a regra da cadeia com várias variáveis). Isso vai aparecer já na camada
#   densa: um peso é usado por todos os exemplos do lote.
#
# Por que não derivar cada peso separadamente? Porque a passada para trás reaproveita o
# trabalho: o gradiente de um nó é calculado uma vez e serve para tudo que está abaixo dele.
# Ela custa mais ou menos o mesmo que a passada para frente, seja qual for o número de
# parâmetros. Já estimar as derivadas mexendo em um peso de cada vez (as diferenças finitas
# que você vai escrever mais adiante) custa duas passadas para frente **por peso**. Para a
# CNN do MNIST da aula 06:

# %%
mnist_cnn_parameters = build_mnist_cnn().count_params()  # a CNN da aula 06
print(f"{fmt.num(mnist_cnn_parameters)} parâmetros: a retropropagação faz 1 passada para "
      f"frente e 1 para trás; as diferenças finitas, {fmt.num(2 * mnist_cnn_parameters)} "
      "passadas para frente")

# %% [markdown]
# ## A camada densa, para frente e para trás
#
# Uma camada densa recebe um lote `x` de formato $(N, D_\text{in})$ ($N$ exemplos) e devolve
#
# $$y = x\,W + b, \qquad y_{nj} = \sum_i x_{ni}\, W_{ij} + b_j$$
#
# com `W` de formato $(D_\text{in}, D_\text{out})$ e `b` de formato $(D_\text{out},)$. É
# exatamente o que `keras.layers.Dense` calcula (sem ativação), com os pesos que ela guarda
# em `kernel` e `bias`:

# %%
rng = np.random.default_rng(lessons.SEED)
dense_layer = keras.layers.Dense(4)
x_dense = rng.standard_normal((5, 3)).astype("float32")  # N = 5 exemplos, D_in = 3
y_keras = keras.ops.convert_to_numpy(dense_layer(x_dense))  # a chamada cria W (3, 4) e b (4,)
W_dense, b_dense = dense_layer.get_weights()
print("W:", W_dense.shape, " b:", b_dense.shape, " y:", y_keras.shape)
print("x @ W + b = Dense(x)?", "sim" if np.allclose(x_dense @ W_dense + b_dense, y_keras,
                                                     atol=1e-6) else "não")

# %% [markdown]
# Na rede, acima dela vem o resto (ativação, outras camadas, a perda). Para a passada para
# trás, tudo isso se resume a um número por elemento de `y`: o gradiente que vem de cima
# (*upstream gradient*), `grad_y` $= \partial L / \partial y$, do formato de `y`. O
# trabalho da camada é transformá-lo nos gradientes das suas variáveis: `dx` (que ela manda
# para a camada de baixo), `dW` e `db` (que vão para o otimizador).
#
# Olhe um peso só, $W_{ij}$. Ele aparece em $y_{nj}$ para **todo** exemplo $n$, sempre
# multiplicado por $x_{ni}$; então $\partial y_{nj} / \partial W_{ij} = x_{ni}$ e, somando
# as contribuições de todos os exemplos,
#
# $$\frac{\partial L}{\partial W_{ij}} = \sum_{n} x_{ni}\, \frac{\partial L}{\partial y_{nj}}$$
#
# Uma regra ajuda a conferir: **cada gradiente tem o formato da sua variável** (`dW` tem o
# formato de `W`, `dx` o de `x`, `db` o de `b`), porque diz quanto a perda muda com cada um
# dos seus elementos.
#
# ### Exercício 1 · A passada para trás da camada densa
#
# Complete a função: recebe `x` $(N, D_\text{in})$, `W` $(D_\text{in}, D_\text{out})$ e
# `grad_y` $(N, D_\text{out})$ e devolve `dx, dW, db`, sem laços, com produtos de matrizes
# e somas do NumPy. Faça para $x_{ni}$ e para $b_j$ o mesmo raciocínio que fizemos para
# $W_{ij}$. O `check` compara com o `tf.GradientTape` em camadas de formatos diferentes.


# %%
def dense_backward(x, W, grad_y):
    """Gradientes (dx, dW, db) de y = x @ W + b, dado grad_y = dL/dy."""
    # BEGIN SOLUTION ex1
    dx = grad_y @ W.T
    dW = x.T @ grad_y
    db = grad_y.sum(axis=0)
    return dx, dW, db
    # END SOLUTION


ex1.check(dense_backward)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown] tags=["solution"]
# Os três casos são o mesmo raciocínio. $x_{ni}$ entra em $y_{nj}$ para todo neurônio $j$,
# multiplicado por $W_{ij}$: somando sobre $j$, `dx = grad_y @ W.T`. $W_{ij}$ é usado por
# todo exemplo $n$: somando sobre $n$, `dW = x.T @ grad_y`. E $b_j$ entra em $y_{nj}$ para
# todo $n$ com derivada 1: `db` é a soma de `grad_y` no eixo dos exemplos. Os formatos
# conferem: $(N, D_\text{out})(D_\text{out}, D_\text{in}) = (N, D_\text{in})$ e
# $(D_\text{in}, N)(N, D_\text{out}) = (D_\text{in}, D_\text{out})$.

# %% [markdown]
# ## Conferindo um gradiente: diferenças finitas
#
# Um gradiente escrito à mão pode ter um erro de índice ou de sinal e mesmo assim ter o
# formato certo. O teste clássico é compará-lo com a definição de derivada: mexa um pouco,
# $h$, em uma variável e veja quanto $f$ muda. A **diferença central**
#
# $$\frac{\partial f}{\partial x_k} \approx \frac{f(x + h\,e_k) - f(x - h\,e_k)}{2h}$$
#
# ($e_k$ é 1 no elemento $k$ e 0 nos outros) erra na ordem de $h^2$; a diferença para a
# frente, $(f(x + h\,e_k) - f(x))/h$, erra na ordem de $h$. Mas $h$ não pode ser minúsculo:
# com $h$ pequeno demais, $f(x + h)$ e $f(x - h)$ ficam tão parecidos que a subtração perde
# os algarismos do `float64`. Veja o erro das duas para a derivada de $\sin$ em $x = 1$,
# que sabemos ser $\cos 1$:

# %%
steps = np.logspace(-12, -1, 45)
forward_error = np.abs((np.sin(1 + steps) - np.sin(1)) / steps - np.cos(1))
central_error = np.abs((np.sin(1 + steps) - np.sin(1 - steps)) / (2 * steps) - np.cos(1))
best_h = steps[np.argmin(central_error)]
print(f"melhor h para a diferença central: {fmt.num(best_h)}, "
      f"erro {fmt.num(central_error.min())}")
fig, ax = plt.subplots(figsize=(7, 4))
ax.loglog(steps, forward_error, label="para a frente: erro ~ h")
ax.loglog(steps, central_error, label="central: erro ~ h²")
ax.set_xlabel("passo h")
ax.set_ylabel("erro da derivada de sen em x = 1")
ax.set_title("Diferenças finitas: pequeno, mas não pequeno demais")
ax.legend()
fig.tight_layout()

# %% [markdown]
# Com $h$ grande manda o erro da fórmula (a reta da direita); com $h$ pequeno manda o
# arredondamento (o serrilhado da esquerda). Em `float64`, $h$ perto de $10^{-5}$ é um
# bom meio-termo para a diferença central.
#
# Para comparar o gradiente analítico $a$ (o da sua fórmula) com o numérico $n$ usamos o
# **erro relativo**
#
# $$\text{erro relativo} = \frac{\lVert a - n \rVert}{\lVert a \rVert + \lVert n \rVert}$$
#
# com $\lVert \cdot \rVert$ a norma (a raiz da soma dos quadrados de todos os elementos,
# `np.linalg.norm`). Ele não depende da escala da função: um gradiente certo dá algo perto
# de $10^{-8}$ ou menos em `float64`; um erro de fórmula, algo como $10^{-2}$ ou mais.
#
# ### Exercício 2 · Uma verificação de gradiente
#
# Comparar o gradiente da fórmula com o das diferenças finitas é a **verificação de
# gradiente** (*gradient check*), o primeiro teste de qualquer passada para trás escrita à
# mão.
#
# Complete `gradient_check(f, x, analytic, eps)`: `f` recebe um array do formato de `x` e
# devolve um número; `analytic` é o gradiente que você quer conferir. Calcule o gradiente
# numérico com a diferença central, elemento por elemento (`x` pode ter qualquer número de
# eixos), e devolva o erro relativo. No fim, `x` precisa estar como chegou. O `check` usa
# gradientes certos e errados em funções curvas.


# %%
def gradient_check(f, x, analytic, eps=1e-5):
    """Erro relativo entre o gradiente analytic e o numérico (diferença central) de f em x."""
    # BEGIN SOLUTION ex2
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = f(x)
        x[index] = original - eps
        f_minus = f(x)
        x[index] = original
        numeric[index] = (f_plus - f_minus) / (2 * eps)
    difference = np.linalg.norm(analytic - numeric)
    return difference / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
    # END SOLUTION


ex2.check(gradient_check)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# ## A retropropagação de uma convolução
#
# Agora a camada que dá nome ao curso. Uma imagem `x` de formato $(H, W, C_\text{in})$, um
# filtro `w` de formato $(F, F, C_\text{in}, C_\text{out})$, passo 1, sem preenchimento:
#
# $$y_{ijo} = \sum_{a=0}^{F-1} \sum_{b=0}^{F-1} \sum_{c} x_{i+a,\,j+b,\,c}\; w_{abco} + b_o$$
#
# A saída tem formato $(H_2, W_2, C_\text{out})$, com $H_2 = H - F + 1$. O gradiente que vem
# de cima, `grad_out`, tem esse formato. Os três gradientes seguem o mesmo raciocínio da
# camada densa, com uma novidade: o **compartilhamento de parâmetros**. O mesmo peso
# $w_{abco}$ é usado em **todas** as posições $(i, j)$, e cada pixel entra em até $F^2$
# janelas.
#
# - **Viés**: $b_o$ entra em todas as posições do mapa $o$, com derivada 1, então
#   `db[o]` é a soma de `grad_out[:, :, o]`.
# - **Pesos**: $w_{abco}$ multiplica, na posição $(i, j)$, o pixel $x_{i+a,\,j+b,\,c}$.
#   Somando sobre as posições,
#
# $$\frac{\partial L}{\partial w_{abco}} = \sum_{i,j} x_{i+a,\,j+b,\,c}\;
#   \frac{\partial L}{\partial y_{ijo}}$$
#
#   É a equação da convolução de novo, trocando o filtro por `grad_out`: uma **correlação
#   da entrada com o gradiente que vem de cima**, que dá um mapa $F \times F$.
# - **Entrada**: o pixel $x_{pq c}$ entra na saída $(i, j)$ pelo peso
#   $w_{p-i,\,q-j,\,c,\,o}$, sempre que essa janela o cobre. Somando,
#
# $$\frac{\partial L}{\partial x_{pqc}} = \sum_{i,j,o} \frac{\partial L}{\partial y_{ijo}}\;
#   w_{p-i,\,q-j,\,c,\,o}$$
#
# Os índices do peso agora aparecem **com o sinal trocado** ($p - i$, não $i + a$): é uma
# convolução "de livro", a que gira o filtro 180°. E como os pixels da borda também
# recebem gradiente, ela é **cheia** (*full*): `grad_out` precisa de zeros em volta.
#
# ### Por que o filtro gira: uma dimensão
#
# Em 1-D dá para ver tudo. A figura liga cada elemento de `x` (embaixo) às saídas de `y`
# (em cima) que ele ajudou a calcular, com um filtro de 3 pesos. Siga as linhas que saem de
# $x_2$: ele chega a $y_0$ pelo peso $w_2$, a $y_1$ por $w_1$ e a $y_2$ por $w_0$. Visto da
# entrada, o filtro aparece de trás para frente.

# %%
fig, ax = plt.subplots(figsize=(9, 3.2))
weight_colors = ["tab:blue", "tab:orange", "tab:green"]
for i in range(3):  # saídas y_0, y_1, y_2
    for a in range(3):  # pesos w_0, w_1, w_2
        highlight = i + a == 2
        ax.plot([i + a, i + 1], [0, 1], color=weight_colors[a],
                linewidth=3 if highlight else 1, alpha=1 if highlight else 0.35)
        if highlight:
            ax.text((i + a + i + 1) / 2 + 0.08, 0.5, f"w{a}", color=weight_colors[a],
                    fontsize=11)
for k in range(5):
    ax.text(k, -0.12, f"x{k}", ha="center", va="top", fontsize=12,
            fontweight="bold" if k == 2 else "normal")
for i in range(3):
    ax.text(i + 1, 1.08, f"y{i}", ha="center", va="bottom", fontsize=12)
ax.set_xlim(-0.5, 4.5)
ax.set_ylim(-0.45, 1.35)
ax.axis("off")
ax.set_title("y = correlação de x com w: as ligações de x₂ usam w₂, w₁, w₀, nessa ordem")
fig.tight_layout()

# %% [markdown]
# Em NumPy isso é exatamente a diferença entre `np.correlate` e `np.convolve` da aula 02: a
# passada para frente é `np.correlate(x, w, "valid")`, o gradiente dos pesos é
# `np.correlate(x, g, "valid")` (a entrada correlacionada com o gradiente) e o da entrada é
# `np.convolve(g, w, "full")`, que gira o filtro e completa com zeros. Conferindo com o
# TensorFlow (uma "imagem" de 1 linha):

# %%
x_1d, w_1d = rng.standard_normal(5), rng.standard_normal(3)
g_1d = rng.standard_normal(3)  # o gradiente que vem de cima, do formato de y
x_var, w_var = tf.Variable(x_1d[None, None, :, None]), tf.Variable(w_1d[None, :, None, None])
with tf.GradientTape() as tape:
    y_1d = tf.nn.conv2d(x_var, w_var, strides=1, padding="VALID")
    loss_1d = tf.reduce_sum(y_1d[0, 0, :, 0] * g_1d)
dx_tape, dw_tape = tape.gradient(loss_1d, [x_var, w_var])


def same(a, b):
    """'sim' quando os dois arrays são iguais (a menos de arredondamento), senão 'não'."""
    return "sim" if np.allclose(a, b) else "não"


print("passada para frente = correlate(x, w)?", same(np.correlate(x_1d, w_1d, "valid"),
                                                     y_1d[0, 0, :, 0]))
print("dw = correlate(x, g)?", same(np.correlate(x_1d, g_1d, "valid"), dw_tape[0, :, 0, 0]))
print("dx = convolve(g, w, 'full')?", same(np.convolve(g_1d, w_1d, "full"),
                                            dx_tape[0, 0, :, 0]))

# %% [markdown]
# ### Exercício 3 · O gradiente dos pesos
#
# Complete `conv_dw(x, grad_out)`: `x` tem formato $(H, W, C_\text{in})$ e `grad_out`,
# $(H_2, W_2, C_\text{out})$, de uma convolução com passo 1 e sem preenchimento; devolva
# `dw`, de formato $(F, F, C_\text{in}, C_\text{out})$, com $F = H - H_2 + 1$. Pode usar
# laços sobre $a$ e $b$ (só $F^2$ voltas) e, dentro deles, fatias e somas do NumPy. O
# `check` compara com `conv.conv2d_backward`, a função do curso, que por sua vez é testada
# contra o `tf.GradientTape`.


# %%
def conv_dw(x, grad_out):
    """Gradiente dos pesos de uma convolução 'valid' com passo 1: formato (F, F, C_in, C_out)."""
    # BEGIN SOLUTION ex3
    H2, W2, _ = grad_out.shape
    F = x.shape[0] - H2 + 1
    dw = np.zeros((F, F, x.shape[2], grad_out.shape[2]))
    for a in range(F):
        for b in range(F):
            window = x[a:a + H2, b:b + W2]  # os pixels que o peso w[a, b] tocou
            dw[a, b] = np.einsum("ijc,ijo->co", window, grad_out)
    return dw
    # END SOLUTION


ex3.check(conv_dw)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown] tags=["solution"]
# `np.einsum("ijc,ijo->co", window, grad_out)` multiplica cada pixel da janela pelo
# gradiente da mesma posição e soma sobre as posições $(i, j)$, para cada par de canais
# $(c, o)$; é o mesmo que `window.reshape(-1, C_in).T @ grad_out.reshape(-1, C_out)`.
# Sem laço nenhum, dá para usar a própria `conv.conv2d`: para cada canal $c$ de entrada,
# `conv.conv2d(x[:, :, c:c + 1], grad_out[:, :, None, :])` é a correlação da entrada com o
# gradiente e devolve `dw[:, :, c, :]`.

# %% [markdown]
# ### Exercício 4 · O gradiente da entrada
#
# Complete `conv_dx(grad_out, w)`: devolva `dx`, de formato
# $(H_2 + F - 1, W_2 + F - 1, C_\text{in})$, o formato de `x`. Use `conv.pad` e
# `conv.conv2d` para escrever a convolução "cheia" com o filtro girado 180°. Atenção aos
# canais: na volta, o gradiente tem $C_\text{out}$ canais e `dx` tem $C_\text{in}$, então o
# filtro que você passa para `conv.conv2d` precisa ter os dois eixos de canais na ordem
# desta passada.


# %%
def conv_dx(grad_out, w):
    """Gradiente da entrada de uma convolução 'valid' com passo 1: o formato de x."""
    # BEGIN SOLUTION ex4
    F = w.shape[0]
    turned = w[::-1, ::-1].transpose(0, 1, 3, 2)  # 180° e canais trocados: (F, F, C_out, C_in)
    return conv.conv2d(conv.pad(grad_out, F - 1), turned)
    # END SOLUTION


ex4.check(conv_dx)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# ### Passo 2, preenchimento "same" e lotes
#
# A função do curso `conv.conv2d_backward(x, w, grad_out, stride, padding)` faz o caso
# geral, num lote de imagens (formato NHWC, como o TensorFlow) e devolve `dx, dw, db`. Duas
# ideias completam as suas funções:
#
# - com **passo** $S$, as janelas vizinhas ficam $S$ pixels distantes. Na volta, cada
#   elemento de `grad_out` volta para a posição da janela que o produziu: espalhamos
#   `grad_out` com $S - 1$ zeros entre vizinhos e fazemos as mesmas contas do passo 1;
# - com **preenchimento**, a convolução foi feita sobre a imagem com zeros em volta: fazemos
#   as contas nela e, no fim, cortamos de `dx` as linhas e colunas dos zeros, que não são
#   pixels de ninguém. O `"same"` do TensorFlow com passo 2 põe o zero extra embaixo e à
#   direita, e o corte precisa respeitar isso.
#
# Conferindo com o `tf.GradientTape` num lote de 2 imagens 9×8 com 3 canais, 4 filtros 3×3,
# passo 2 e `"same"`, tudo em `float64`:

# %%
x_batch = rng.standard_normal((2, 9, 8, 3))
w_batch, b_batch = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
grad_batch = rng.standard_normal((2, 5, 4, 4))  # o formato da saída: ceil(9/2) × ceil(8/2)
variables = [tf.Variable(v) for v in (x_batch, w_batch, b_batch)]
with tf.GradientTape() as tape:
    y_batch = tf.nn.conv2d(variables[0], variables[1], strides=2, padding="SAME") + variables[2]
    loss_batch = tf.reduce_sum(y_batch * grad_batch)
tape_batch = tape.gradient(loss_batch, variables)
ours = conv.conv2d_backward(x_batch, w_batch, grad_batch, stride=2, padding="same")
for name, mine, theirs in zip(("dx", "dw", "db"), ours, tape_batch):
    print(f"{name}: formato {mine.shape}, maior diferença para o GradientTape "
          f"{fmt.num(float(np.max(np.abs(mine - theirs.numpy()))))}")

# %% [markdown]
# E, para fechar, a sua `gradient_check` do exercício 2 conferindo os gradientes da função
# do curso contra as diferenças finitas. A perda é $L = \sum y \cdot g$, com um `grad_out`
# $g$ fixo, porque assim $\partial L / \partial y = g$ (troque `conv.conv2d_backward` pelas
# suas `conv_dw` e `conv_dx` para conferi-las do mesmo jeito):

# %%
x_small, w_small = rng.standard_normal((6, 7, 2)), rng.standard_normal((3, 3, 2, 3))
g_small = rng.standard_normal((3, 4, 3))  # saída de passo 2 "same": ceil(6/2) × ceil(7/2) × 3
dx_small, dw_small, _ = conv.conv2d_backward(x_small, w_small, g_small, stride=2, padding="same")


def loss_of_w(w):
    """L = soma de y · g, como função dos pesos."""
    return np.sum(conv.conv2d(x_small, w, stride=2, padding="same") * g_small)


def loss_of_x(x):
    """L = soma de y · g, como função da entrada."""
    return np.sum(conv.conv2d(x, w_small, stride=2, padding="same") * g_small)


print("erro relativo de dw:", gradient_check(loss_of_w, w_small.copy(), dw_small))
print("erro relativo de dx:", gradient_check(loss_of_x, x_small.copy(), dx_small))

# %% [markdown]
# ## Por que redes profundas eram difíceis de treinar
#
# A regra da cadeia multiplica uma derivada local por camada. Numa rede de 20 camadas, o
# gradiente que chega à primeira camada passou por 20 multiplicações, e cada uma inclui a
# derivada da função de ativação. A sigmoide, a ativação clássica até os anos 2000, tem
# derivada $\sigma'(s) = \sigma(s)(1 - \sigma(s))$, que nunca passa de 1/4; a ReLU tem
# derivada 1 onde está ativa e 0 onde não está:

# %%
s_axis = np.linspace(-6, 6, 400)
sigmoid_values = 1 / (1 + np.exp(-s_axis))
sigmoid_slope = sigmoid_values * (1 - sigmoid_values)
print(f"maior derivada da sigmoide: {fmt.num(sigmoid_slope.max())}; "
      f"(1/4)^20 = {fmt.num(0.25 ** 20)}")
fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(10, 3.4))
ax_f.plot(s_axis, sigmoid_values, label="sigmoide")
ax_f.plot(s_axis, np.maximum(s_axis, 0) / 6, label="ReLU (÷ 6, para caber)")
ax_f.set_title("Ativações")
ax_d.plot(s_axis, sigmoid_slope, label="sigmoide: no máximo 1/4")
ax_d.plot(s_axis, (s_axis > 0).astype(float), label="ReLU: 0 ou 1")
ax_d.set_title("Derivadas (as derivadas locais da passada para trás)")
for ax in (ax_f, ax_d):
    ax.set_xlabel("s")
    ax.yaxis.set_major_formatter(fmt.tick_formatter())
    ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# Vamos medir. Três redes densas de 20 camadas escondidas de 64 neurônios, iguais a não ser
# pela ativação e pela inicialização dos pesos: sigmoide e ReLU com a inicialização padrão
# do Keras (Glorot), e ReLU com a inicialização de He, feita para a ReLU. Com um lote de
# imagens do MNIST, o `tf.GradientTape` dá o gradiente da perda em relação aos pesos de
# cada camada, e desenhamos a norma dele, camada por camada.

# %%
(x_train, y_train), _ = datasets.load_mnist(fast=True)
x_flat = x_train.reshape(len(x_train), -1).astype("float32") / 255
DEPTH, WIDTH = 20, 64
VARIANTS = {
    "sigmoide (Glorot)": ("sigmoid", "glorot_uniform"),
    "ReLU (Glorot)": ("relu", "glorot_uniform"),
    "ReLU (He)": ("relu", "he_normal"),
}
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def deep_dense_net(activation, initializer):
    """DEPTH camadas densas escondidas de WIDTH neurônios e uma saída de 10 logits."""
    config.set_seed(lessons.SEED)
    hidden = [keras.layers.Dense(WIDTH, activation=activation, kernel_initializer=initializer)
              for _ in range(DEPTH)]
    return keras.Sequential([keras.Input(shape=(784,)), *hidden, keras.layers.Dense(10)])


def gradient_norm_per_layer(model, images, labels):
    """Norma do gradiente da perda em relação aos pesos (kernel) de cada camada."""
    with tf.GradientTape() as tape:
        batch_loss = loss_fn(labels, model(images))
    kernels = [layer.kernel for layer in model.layers]
    return np.array([float(tf.norm(g)) for g in tape.gradient(batch_loss, kernels)])


models = {name: deep_dense_net(*settings) for name, settings in VARIANTS.items()}
norms = {name: gradient_norm_per_layer(model, x_flat[:256], y_train[:256])
         for name, model in models.items()}
for name, per_layer in norms.items():
    print(f"{name:<18} camada 1: {fmt.num(per_layer[0]):>9}   camada {DEPTH + 1} (saída): "
          f"{fmt.num(per_layer[-1]):>9}   primeira ÷ última: "
          f"{fmt.num(per_layer[0] / per_layer[-1])}")

# %%
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, per_layer in norms.items():
    ax.semilogy(np.arange(1, DEPTH + 2), per_layer, "o-", markersize=4, label=name)
ax.set_xticks(np.arange(1, DEPTH + 2, 2))
ax.set_xlabel("camada (1 = a mais perto da entrada)")
ax.set_ylabel("norma do gradiente dos pesos (escala log)")
ax.set_title(f"O gradiente camada por camada, numa rede de {DEPTH} camadas escondidas")
ax.legend()
fig.tight_layout()

# %% [markdown]
# Com a sigmoide, o gradiente encolhe a cada camada que atravessa para trás: a primeira
# camada recebe um gradiente muitas ordens de grandeza menor que a última. É o **gradiente
# que desaparece** (*vanishing gradient*), descrito por Hochreiter em 1991 e medido por
# Glorot e Bengio em 2010. Com a ReLU, a derivada local é 1 onde ela está ativa, e a curva
# fica plana. Mas o nível importa também: com a inicialização de Glorot, metade dos
# neurônios ReLU fica inativa e o sinal encolhe um pouco a cada camada, na ida e na volta;
# a inicialização de He compensa essa metade com pesos $\sqrt{2}$ vezes maiores.
#
# O contrário também acontece: com derivadas locais e pesos que multiplicam o gradiente por
# mais de 1 a cada camada, ele cresce sem controle para trás, o **gradiente que explode**
# (*exploding gradient*), e o treino diverge.
#
# O que isso faz com o treino? Vamos treinar as mesmas três redes com Adam, escrevendo o
# passo de treino por extenso: passada para frente dentro do `tf.GradientTape`, passada
# para trás em `tape.gradient` e o passo do otimizador da aula 04. É o que o `model.fit`
# faz a cada lote.

# %%
TRAIN_STEPS = 60 if config.FAST else 300
BATCH = 64


def train_and_record(model, steps):
    """Treina com Adam em lotes sorteados; devolve a perda de cada passo."""
    optimizer = keras.optimizers.Adam()
    batch_rng = np.random.default_rng(lessons.SEED)  # os mesmos lotes para as três redes
    losses = []
    for _ in range(steps):
        batch = batch_rng.integers(0, len(x_flat), size=BATCH)
        with tf.GradientTape() as tape:
            batch_loss = loss_fn(y_train[batch], model(x_flat[batch]))
        grads = tape.gradient(batch_loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(batch_loss))
    return np.array(losses)


step_losses = {name: train_and_record(model, TRAIN_STEPS)
               for name, model in models.items()}
for name, losses in step_losses.items():
    print(f"{name:<18} perda média dos últimos 10 passos: {fmt.num(losses[-10:].mean(), 3)}")
print(f"perda de quem chuta ao acaso entre 10 classes, ln 10 = {fmt.num(np.log(10), 3)}")

# %%
fig, ax = plt.subplots(figsize=(8, 4.2))
for name, losses in step_losses.items():
    ax.plot(np.arange(1, len(losses) + 1), losses, label=name)
ax.axhline(np.log(10), color="gray", linestyle="--", linewidth=1, label="chute ao acaso (ln 10)")
ax.set_xlabel("passo de treino")
ax.set_ylabel("perda do lote")
ax.yaxis.set_major_formatter(fmt.tick_formatter())
ax.set_title(f"Três redes de {DEPTH} camadas: só muda a ativação e a inicialização")
ax.legend(loc="best", fontsize=8)
fig.tight_layout()

# %% [markdown]
# A rede com sigmoide fica na perda de quem chuta: as primeiras camadas quase não recebem
# gradiente e não saem do lugar. A ReLU com a inicialização de He é a que desce mais
# depressa; com a de Glorot, ela demora mais para sair do platô, porque todos os seus
# gradientes são pequenos.
#
# Foi por isso que, por muito tempo, redes com mais de poucas camadas eram consideradas
# intreináveis. As saídas vieram aos poucos: a ReLU, inicializações que mantêm o tamanho
# do sinal (Glorot, He), a normalização em lote (*batch normalization*, aula 10) e, em 2015,
# as **conexões residuais**: em vez de $y = F(x)$, um bloco calcula $y = x + F(x)$. Na
# passada para trás, a soma distribui o gradiente sem mudá-lo (você viu isso no grafo),
# então o gradiente tem um caminho direto até as primeiras camadas, que não encolhe por
# mais camadas que haja. É o tema da aula 11, *Redes residuais*.

# %% [markdown]
# ## O que você aprendeu
#
# - Uma conta é um **grafo computacional**; a passada para frente calcula os valores e a
#   passada para trás, os gradientes, multiplicando derivadas locais pela **regra da
#   cadeia**: gradiente que chega vezes derivada local.
# - A soma repassa o gradiente; a multiplicação troca os fatores; quando um valor alimenta
#   vários nós, os gradientes se somam. A **retropropagação** custa mais ou menos uma
#   passada para frente, qualquer que seja o número de parâmetros.
# - Camada densa $y = xW + b$: `dx = grad_y @ W.T`, `dW = x.T @ grad_y`, `db` = soma de
#   `grad_y` nos exemplos. Cada gradiente tem o formato da sua variável.
# - **Diferenças finitas** centrais, com $h \approx 10^{-5}$, e o **erro relativo**
#   $\lVert a - n \rVert / (\lVert a \rVert + \lVert n \rVert)$ conferem qualquer gradiente.
# - Convolução: `dw` é a correlação da entrada com o gradiente que vem de cima; `dx` é a
#   convolução cheia do gradiente com o filtro girado 180° e os canais trocados; `db` soma
#   `grad_out` nas posições. Passo e preenchimento entram espalhando o gradiente e cortando
#   as bordas (`conv.conv2d_backward`).
# - Com a sigmoide, o gradiente encolhe camada a camada (o **gradiente que desaparece**) e
#   uma rede profunda não treina; a ReLU com uma boa inicialização mantém o gradiente, e as
#   conexões residuais (aula 11) dão a ele um caminho direto.
#
# ## Fontes
#
# As aulas que servem de base ao curso tratam da descida do gradiente (o relatório do
# bootcamp LAMIA, de Jefferson Korte Junior, e os slides de Saulo Oliveira, *08 — Redes
# Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1), mas não de como o gradiente
# é calculado; esta aula vem da literatura abaixo.
#
# - D. E. Rumelhart, G. E. Hinton e R. J. Williams. *Learning representations by
#   back-propagating errors*. Nature 323, 1986.
# - I. Goodfellow, Y. Bengio e A. Courville. *Deep Learning*, MIT Press, 2016: seção 6.5
#   (retropropagação e grafos computacionais) e seção 9.5 (o gradiente da convolução).
# - As notas da disciplina CS231n de Stanford: *Backpropagation, Intuitions* e a seção
#   *Gradient checks* de *Neural Networks Part 3* (cs231n.github.io).
# - V. Dumoulin e F. Visin. *A guide to convolution arithmetic for deep learning*, 2016
#   (a convolução da volta, com passo e preenchimento).
# - S. Hochreiter. *Untersuchungen zu dynamischen neuronalen Netzen*, dissertação, TU
#   München, 1991; Y. Bengio, P. Simard e P. Frasconi. *Learning long-term dependencies
#   with gradient descent is difficult*, IEEE Trans. Neural Networks, 1994.
# - X. Glorot e Y. Bengio. *Understanding the difficulty of training deep feedforward neural
#   networks*, AISTATS 2010; K. He et al. *Delving deep into rectifiers*, ICCV 2015 (a
#   inicialização de He).
# - O guia *Introduction to gradients and automatic differentiation* do TensorFlow
#   (tensorflow.org/guide/autodiff), sobre o `tf.GradientTape`.
#
# Os termos desta aula (retropropagação, grafo computacional, regra da cadeia, diferenças
# finitas, gradiente que desaparece, ...) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ## O que ler a seguir
#
# Na próxima aula, **06 · MNIST, mão na massa**, você treina uma CNN de verdade: cada
# `model.fit` faz, a cada lote, a passada para frente, a passada para trás que você acabou
# de escrever e um passo do otimizador da aula 04.
